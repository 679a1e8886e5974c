//! Host ports for services that do not pin one. A port is derived from the
//! project, service and port name, remembered in the state, and kept while
//! it is free, so URLs in the env file do not change between runs.
//!
//! The range, 20000 to 32767, lies below every common ephemeral range
//! (Linux 32768-60999, BSD, macOS and Windows 49152-65535): outgoing
//! connections and the engine's own random ports are taken from those, so
//! they never race devsvc for a remembered port.
use std::collections::HashSet;
use std::net::TcpListener;

use sha2::{Digest, Sha256};

const RANGE_START: u16 = 20000;
const RANGE_LEN: u16 = 12768;

/// Picks the host port for one container port.
///
/// `remembered` is the port used last time; `ours` says whether our own
/// container of this service holds it (then it is free for us to reuse);
/// `reserved` holds ports already given out in this run. `check_free` is
/// false for a remote engine, where a local bind proves nothing.
pub(crate) fn choose(
    key: &str,
    remembered: Option<u16>,
    ours: &HashSet<u16>,
    reserved: &HashSet<u16>,
    check_free: bool,
) -> Option<u16> {
    let free = |p: u16| !reserved.contains(&p) && (ours.contains(&p) || !check_free || bindable(p));
    if let Some(p) = remembered.filter(|p| free(*p)) {
        return Some(p);
    }
    let start = derived(key);
    (0..RANGE_LEN)
        .map(|i| RANGE_START + (start - RANGE_START + i) % RANGE_LEN)
        .find(|p| free(*p))
}

fn derived(key: &str) -> u16 {
    let hash = Sha256::digest(key.as_bytes());
    RANGE_START + u16::from_be_bytes([hash[0], hash[1]]) % RANGE_LEN
}

/// True when nothing listens on 127.0.0.1 or 0.0.0.0 at this port.
pub(crate) fn bindable(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok() && TcpListener::bind(("0.0.0.0", port)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_skips_taken_ports() {
        let none = HashSet::new();
        let a = choose("p/redis/redis", None, &none, &none, false).unwrap();
        assert_eq!(choose("p/redis/redis", None, &none, &none, false), Some(a));
        assert_eq!(
            choose("p/redis/redis", Some(31000), &none, &none, false),
            Some(31000)
        );
        let reserved: HashSet<u16> = [a].into();
        let b = choose("p/redis/redis", None, &none, &reserved, false).unwrap();
        assert_ne!(a, b);
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let busy = listener.local_addr().unwrap().port();
        assert_ne!(choose("k", Some(busy), &none, &none, true), Some(busy));
        let ours: HashSet<u16> = [busy].into();
        assert_eq!(choose("k", Some(busy), &ours, &none, true), Some(busy));
    }

    #[test]
    fn automatic_ports_stay_below_the_ephemeral_ranges() {
        let none = HashSet::new();
        let mut lowest = u16::MAX;
        let mut highest = 0;
        for i in 0..5000 {
            let p = choose(&format!("p{i}/s/port"), None, &none, &none, false).unwrap();
            lowest = lowest.min(p);
            highest = highest.max(p);
        }
        assert!(lowest >= 20000, "{lowest}");
        assert!(highest < 32768, "{highest} is in Linux's ephemeral range");
        // The wrap-around stays inside the range too.
        let all: HashSet<u16> = (RANGE_START..RANGE_START + RANGE_LEN).collect();
        assert_eq!(choose("k", None, &none, &all, false), None);
    }
}
