//! Addresses and address ranges (pure): CIDR prefixes parsed into inclusive intervals, merged
//! and sorted per family so that a lookup is one binary search, and the client address of a
//! log line read into an address only when it is usable for verification.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Shortest IPv4 prefix accepted in a published list: anything broader is not a crawler's
/// range but a mistake (or `0.0.0.0/0`, which would verify every address).
pub const MIN_V4_PREFIX: u8 = 8;
/// Shortest IPv6 prefix accepted, for the same reason.
pub const MIN_V6_PREFIX: u8 = 16;
/// Longest prefix text read (an IPv6 address with its length fits in far less).
const MAX_PREFIX_TEXT: usize = 64;
/// Longest client address field looked at.
const MAX_CLIENT_TEXT: usize = 64;

/// Why a CIDR prefix was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    #[error("{0:?} is not an address/length prefix")]
    Syntax(String),
    #[error("{0:?} is broader than /{1}: not a crawler's range")]
    TooBroad(String, u8),
    #[error("{0:?} is an IPv{1} prefix in an IPv{2} field")]
    Family(String, u8, u8),
}

/// One prefix as an inclusive interval of addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    V4(u32, u32),
    V6(u128, u128),
}

/// Parses `a.b.c.d/n` or `x:y::/n`. Host bits set below the length are cleared (the interval
/// is the whole network). Prefixes broader than [`MIN_V4_PREFIX`] / [`MIN_V6_PREFIX`] are
/// refused.
pub fn parse_prefix(text: &str) -> Result<Interval, PrefixError> {
    let shown = || crate::classify::cap(text, MAX_PREFIX_TEXT).to_string();
    let trimmed = text.trim();
    if trimmed.len() > MAX_PREFIX_TEXT {
        return Err(PrefixError::Syntax(shown()));
    }
    let (address, length) = trimmed
        .split_once('/')
        .ok_or_else(|| PrefixError::Syntax(shown()))?;
    if length.is_empty() || length.len() > 3 || !length.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PrefixError::Syntax(shown()));
    }
    let length: u8 = length.parse().map_err(|_| PrefixError::Syntax(shown()))?;
    match address
        .parse::<IpAddr>()
        .map_err(|_| PrefixError::Syntax(shown()))?
    {
        IpAddr::V4(v4) => {
            if length > 32 {
                return Err(PrefixError::Syntax(shown()));
            }
            if length < MIN_V4_PREFIX {
                return Err(PrefixError::TooBroad(shown(), MIN_V4_PREFIX));
            }
            let host_bits = 32 - u32::from(length);
            let mask = u32::MAX.checked_shl(host_bits).unwrap_or(0);
            let start = u32::from(v4) & mask;
            Ok(Interval::V4(start, start | !mask))
        }
        IpAddr::V6(v6) => {
            if length > 128 {
                return Err(PrefixError::Syntax(shown()));
            }
            if length < MIN_V6_PREFIX {
                return Err(PrefixError::TooBroad(shown(), MIN_V6_PREFIX));
            }
            let host_bits = 128 - u32::from(length);
            let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
            let start = u128::from(v6) & mask;
            Ok(Interval::V6(start, start | !mask))
        }
    }
}

/// A set of addresses: the union of some prefixes, as sorted, disjoint, non-adjacent
/// intervals per family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpRanges {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl IpRanges {
    /// The union of `intervals` (overlapping and adjacent ones are merged).
    pub fn new(intervals: impl IntoIterator<Item = Interval>) -> IpRanges {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for interval in intervals {
            match interval {
                Interval::V4(start, end) => v4.push((start, end)),
                Interval::V6(start, end) => v6.push((start, end)),
            }
        }
        IpRanges {
            v4: merge(v4),
            v6: merge(v6),
        }
    }

    /// Whether `ip` is in the set. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is looked
    /// up as the IPv4 address it carries.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match canonical(ip) {
            IpAddr::V4(v4) => find(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => find(&self.v6, u128::from(v6)),
        }
    }

    /// True when the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
}

/// Sorts and merges overlapping or adjacent intervals.
fn merge<T: Copy + Ord + num_like::Successor>(mut intervals: Vec<(T, T)>) -> Vec<(T, T)> {
    intervals.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match out.last_mut() {
            Some(last) if last.1.successor().is_none_or(|next| start <= next) => {
                last.1 = last.1.max(end);
            }
            _ => out.push((start, end)),
        }
    }
    out
}

/// Binary search: the last interval starting at or before `x`, and whether it reaches `x`.
fn find<T: Copy + Ord>(intervals: &[(T, T)], x: T) -> bool {
    let after = intervals.partition_point(|(start, _)| *start <= x);
    after > 0 && intervals[after - 1].1 >= x
}

mod num_like {
    /// The next value, if any (for merging adjacent intervals).
    pub trait Successor: Sized {
        fn successor(self) -> Option<Self>;
    }
    impl Successor for u32 {
        fn successor(self) -> Option<u32> {
            self.checked_add(1)
        }
    }
    impl Successor for u128 {
        fn successor(self) -> Option<u128> {
            self.checked_add(1)
        }
    }
}

/// An IPv4-mapped IPv6 address as its IPv4 address; any other address as it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client address of a log line, when it can say who sent the request: an IPv4 or IPv6
/// address (brackets and a port around it are dropped, an IPv4-mapped IPv6 address is read as
/// IPv4) that is a public address. None for `-`, an empty field, a host name, a list of
/// addresses (`a, b` from a forwarded-for header: its first entry is whatever the client
/// wrote), a zone index, anything unparseable, and for addresses that cannot be the crawler's
/// own (loopback, private, link-local, shared, unspecified, multicast): a log behind a proxy
/// that records the proxy's address would otherwise make every crawler look spoofed.
pub fn client_ip(field: &str) -> Option<IpAddr> {
    let field = field.trim();
    if field.is_empty() || field.len() > MAX_CLIENT_TEXT {
        return None;
    }
    let ip = parse_address(field)?;
    let ip = canonical(ip);
    public(ip).then_some(ip)
}

fn parse_address(field: &str) -> Option<IpAddr> {
    if let Ok(ip) = field.parse::<IpAddr>() {
        return Some(ip);
    }
    // `[v6]` or `[v6]:port`
    if let Some(rest) = field.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after.strip_prefix(':').is_some_and(|p| {
                !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
            });
        return if port_ok {
            inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        } else {
            None
        };
    }
    // `a.b.c.d:port`
    let (address, port) = field.split_once(':')?;
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    address.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// Whether `ip` (canonical) may be a machine on the internet.
fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn ranges(prefixes: &[&str]) -> IpRanges {
        IpRanges::new(prefixes.iter().map(|p| parse_prefix(p).unwrap()))
    }

    #[test]
    fn ipv4_prefixes_cover_their_first_and_last_address_only() {
        let set = ranges(&["20.171.206.0/24", "172.182.202.0/25", "107.20.236.150/32"]);
        for inside in [
            "20.171.206.0",
            "20.171.206.255",
            "172.182.202.127",
            "107.20.236.150",
        ] {
            assert!(set.contains(ip(inside)), "{inside}");
        }
        for outside in [
            "20.171.205.255",
            "20.171.207.0",
            "172.182.202.128",
            "107.20.236.149",
            "107.20.236.151",
            "0.0.0.0",
            "255.255.255.255",
        ] {
            assert!(!set.contains(ip(outside)), "{outside}");
        }
    }

    #[test]
    fn ipv6_prefixes_and_mapped_addresses() {
        let set = ranges(&["2001:4860:4801:10::/64", "66.249.64.0/27"]);
        assert!(set.contains(ip("2001:4860:4801:10::1")));
        assert!(set.contains(ip("2001:4860:4801:10:ffff:ffff:ffff:ffff")));
        assert!(!set.contains(ip("2001:4860:4801:11::")));
        assert!(!set.contains(ip("2001:4860:4801:f::ffff")));
        // An IPv4-mapped address is its IPv4 address, not an IPv6 one.
        assert!(set.contains(ip("::ffff:66.249.64.31")));
        assert!(!set.contains(ip("::ffff:66.249.64.32")));
        // The families do not mix.
        assert!(!ranges(&["2001:db8::/32"]).contains(ip("32.1.13.184")));
    }

    #[test]
    fn overlapping_and_adjacent_prefixes_merge() {
        let set = ranges(&["10.0.1.0/24", "10.0.0.0/24", "10.0.0.128/25", "10.0.3.0/24"]);
        assert_eq!(set.v4.len(), 2);
        assert!(set.contains(ip("10.0.1.255")));
        assert!(!set.contains(ip("10.0.2.0")));
        let top = ranges(&["255.255.255.0/24", "255.255.254.0/24"]);
        assert_eq!(top.v4, vec![(0xffff_fe00, u32::MAX)]);
        assert!(top.contains(ip("255.255.255.255")));
    }

    #[test]
    fn host_bits_are_cleared_and_bad_prefixes_refused() {
        assert_eq!(
            parse_prefix("20.171.206.9/24"),
            Ok(Interval::V4(0x14ab_ce00, 0x14ab_ceff))
        );
        assert_eq!(
            parse_prefix(" 1.2.3.4/32 "),
            Ok(Interval::V4(0x0102_0304, 0x0102_0304))
        );
        for bad in [
            "",
            "1.2.3.4",
            "1.2.3.4/",
            "1.2.3.4/33",
            "1.2.3.4/-1",
            "1.2.3.4/+8",
            "1.2.3/24",
            "::/129",
            "example.com/24",
            "1.2.3.4/24/1",
            "1.2.3.4/0024",
        ] {
            assert!(
                matches!(parse_prefix(bad), Err(PrefixError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_prefix("0.0.0.0/0"),
            Err(PrefixError::TooBroad(..))
        ));
        assert!(matches!(
            parse_prefix("::/0"),
            Err(PrefixError::TooBroad(..))
        ));
        assert!(parse_prefix("2001:db8::/16").is_ok());
    }

    #[test]
    fn client_addresses_are_read_only_when_usable() {
        for (field, want) in [
            ("20.171.206.9", Some("20.171.206.9")),
            (" 20.171.206.9 ", Some("20.171.206.9")),
            ("20.171.206.9:443", Some("20.171.206.9")),
            ("2001:4860:4801:10::1", Some("2001:4860:4801:10::1")),
            ("[2001:4860:4801:10::1]", Some("2001:4860:4801:10::1")),
            ("[2001:4860:4801:10::1]:8443", Some("2001:4860:4801:10::1")),
            ("::ffff:20.171.206.9", Some("20.171.206.9")),
            ("203.0.113.9", Some("203.0.113.9")),
            ("-", None),
            ("", None),
            ("crawl.example.com", None),
            ("20.171.206.9, 10.0.0.1", None),
            ("20.171.206.9:", None),
            ("20.171.206.9:99999999", None),
            ("[2001:db8::1", None),
            ("[2001:db8::1]x", None),
            ("fe80::1%eth0", None),
            ("127.0.0.1", None),
            ("10.1.2.3", None),
            ("172.16.0.1", None),
            ("192.168.1.1", None),
            ("100.64.0.1", None),
            ("169.254.1.1", None),
            ("0.0.0.0", None),
            ("::1", None),
            ("::", None),
            ("fd00::1", None),
            ("fe80::1", None),
            ("::ffff:127.0.0.1", None),
            ("224.0.0.1", None),
            ("01.2.3.4", None),
        ] {
            assert_eq!(client_ip(field), want.map(ip), "{field:?}");
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(crate::testing::proptest_config())]

            /// The merged, binary-searched set answers as checking every prefix one by one
            /// would, for addresses near the prefixes' edges as well as anywhere.
            #[test]
            fn lookup_agrees_with_checking_each_prefix(
                prefixes in prop::collection::vec((any::<u32>(), 8u8..=32), 0..40),
                probes in prop::collection::vec(any::<u32>(), 0..40),
            ) {
                let intervals: Vec<Interval> = prefixes
                    .iter()
                    .map(|(addr, len)| {
                        parse_prefix(&format!("{}/{len}", Ipv4Addr::from(*addr))).unwrap()
                    })
                    .collect();
                let set = IpRanges::new(intervals.iter().copied());
                let mut addresses = probes;
                for interval in &intervals {
                    if let Interval::V4(start, end) = *interval {
                        addresses.extend([start.wrapping_sub(1), start, end, end.wrapping_add(1)]);
                    }
                }
                for address in addresses {
                    let naive = intervals.iter().any(|i| match *i {
                        Interval::V4(start, end) => (start..=end).contains(&address),
                        Interval::V6(..) => false,
                    });
                    prop_assert_eq!(set.contains(IpAddr::V4(Ipv4Addr::from(address))), naive);
                }
            }

            /// Any text as a client address or a prefix: an answer, never a panic.
            #[test]
            fn any_text_is_read_without_panicking(text in ".{0,80}") {
                let _ = client_ip(&text);
                let _ = parse_prefix(&text);
            }
        }
    }

    #[test]
    fn hostile_text_never_panics() {
        let long = "9".repeat(10_000);
        let samples = [
            long.as_str(),
            "[",
            "]",
            "[]",
            "[]:",
            ":",
            "::::",
            "/",
            "//",
            "1.2.3.4/999999999999999999999",
            "\u{0}",
            "é/24",
            "[::1]:/",
            "1.2.3.4:é",
        ];
        for text in samples {
            let _ = client_ip(text);
            let _ = parse_prefix(text);
        }
        for byte in 0u8..=255 {
            let text = String::from_utf8_lossy(&[b'1', byte, b'/', byte]).into_owned();
            let _ = client_ip(&text);
            let _ = parse_prefix(&text);
        }
    }
}
