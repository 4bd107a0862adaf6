//! Support shared by the unit tests (compiled for tests only).

/// The property tests' configuration: 256 cases each, or `PROPTEST_CASES`.
pub(crate) fn proptest_config() -> proptest::prelude::ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    proptest::prelude::ProptestConfig {
        cases,
        ..proptest::prelude::ProptestConfig::default()
    }
}
