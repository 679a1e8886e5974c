//! Fuzzes the env file merge with arbitrary existing files and values: it
//! must never panic, must keep every user line outside the block, and must
//! be idempotent.
#![no_main]

use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, Vec<(String, String)>)| {
    let (existing, pairs) = input;
    let vars: IndexMap<String, String> = pairs
        .into_iter()
        .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let Ok(once) = devsvc::envfile::merge(existing, "fuzz", &vars) else {
        return; // refused (a block without its end marker): nothing written
    };
    let twice = devsvc::envfile::merge(&once, "fuzz", &vars).expect("a merged file merges again");
    assert_eq!(once, twice, "merge is idempotent");
    if !existing.contains("# >>> devsvc") && !existing.contains("# <<< devsvc") {
        let trimmed = existing.strip_suffix('\n').unwrap_or(existing);
        assert!(once.starts_with(trimmed), "user text kept as a prefix");
    }
});
