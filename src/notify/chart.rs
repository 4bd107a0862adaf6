//! PNG line charts of rates with their intervals, for the digest (pure: numbers in, PNG bytes out).
