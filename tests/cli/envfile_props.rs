//! Properties of the env file merge over generated user files (comments,
//! quotes, `export`, `#` inside values, CRLF, no final newline, unicode):
//! every user line survives byte for byte and in order, merging twice equals
//! merging once, and loaders read devsvc's values back exactly.
use devsvc::envfile::merge;
use indexmap::IndexMap;
use proptest::prelude::*;

fn user_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ \t]{0,3}".prop_map(|s| s),
        "# [^\r\n]{0,30}".prop_filter("not our marker", |s| !s.starts_with("# >>> devsvc")
            && !s.starts_with("# <<< devsvc")),
        ("[A-Z_][A-Z0-9_]{0,8}", "[a-z0-9 #:/.]{0,12}").prop_map(|(k, v)| format!("{k}='{v}'")),
        ("[A-Z_][A-Z0-9_]{0,8}", "[a-zA-Z0-9 #'$=]{0,12}")
            .prop_map(|(k, v)| format!("export {k}=\"{}\"", v.replace('$', "\\$"))),
        ("[A-Z_][A-Z0-9_]{0,8}", "[a-z0-9]{0,12}").prop_map(|(k, v)| format!("{k}={v} # comment")),
        "[äöüéß€日本語🙂a-z =]{1,20}".prop_map(|s| format!("# {s}")),
    ]
}

/// A user file: lines, a line ending, and whether the last line ends.
fn user_file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(user_line(), 0..12),
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(lines, crlf, final_eol)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(eol);
            if final_eol && !lines.is_empty() {
                text.push_str(eol);
            }
            text
        })
}

fn vars() -> impl Strategy<Value = IndexMap<String, String>> {
    prop::collection::vec(("DEVSVC_P_[A-Z]{1,6}", "[ -~äé]{0,16}"), 1..6)
        .prop_map(|pairs| pairs.into_iter().collect())
}

/// The user's lines, with their own terminators, outside any devsvc block.
fn user_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with("# >>> devsvc") {
            inside = true;
        } else if line.starts_with("# <<< devsvc") {
            inside = false;
        } else if !inside {
            out.push(line.trim_end_matches(['\r', '\n']).to_string());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn first_merge_keeps_every_byte_of_the_user_file(user in user_file(), v in vars()) {
        let merged = merge(&user, "p", &v).unwrap();
        // Appending at the end: the user's text is a byte-exact prefix,
        // except that a missing final newline gains one.
        let prefix = if user.is_empty() || user.ends_with('\n') { user.clone() } else {
            let eol = if user.contains("\r\n") { "\r\n" } else { "\n" };
            format!("{user}{eol}")
        };
        prop_assert!(merged.starts_with(&prefix), "{:?} -> {:?}", user, merged);
    }

    #[test]
    fn merging_twice_equals_merging_once(user in user_file(), v in vars(), w in vars()) {
        let once = merge(&user, "p", &v).unwrap();
        prop_assert_eq!(merge(&once, "p", &v).unwrap(), once.clone());
        // A change of values touches only the block.
        let changed = merge(&once, "p", &w).unwrap();
        prop_assert_eq!(user_lines(&changed), user_lines(&once));
        prop_assert_eq!(merge(&changed, "p", &w).unwrap(), changed);
    }

    #[test]
    fn lines_around_an_existing_block_stay_in_place(before in user_file(), after in user_file(), v in vars(), w in vars()) {
        let eol = if before.contains("\r\n") { "\r\n" } else { "\n" };
        let mut text = before.clone();
        if !text.is_empty() && !text.ends_with('\n') { text.push_str(eol); }
        let block = merge("", "p", &v).unwrap().replace('\n', eol).replace("\r\r", "\r");
        text.push_str(&block);
        text.push_str(&after);
        let merged = merge(&text, "p", &w).unwrap();
        prop_assert_eq!(user_lines(&merged), user_lines(&text));
        let start = merged.find("# >>> devsvc").unwrap();
        prop_assert_eq!(&merged[..start], &text[..start]);
        prop_assert!(merged.ends_with(&after));
    }

    #[test]
    fn dotenvy_reads_devsvc_values_back(user in user_file(), v in vars()) {
        let merged = merge(&user, "p", &v).unwrap();
        let start = merged.find("# >>> devsvc").unwrap();
        let parsed: IndexMap<String, String> = dotenvy::from_read_iter(&merged.as_bytes()[start..])
            .map(|r| r.unwrap())
            .collect();
        prop_assert_eq!(parsed, v);
    }
}

/// The fuzz target's input space (fuzz/fuzz_targets/envfile_merge.rs):
/// any text as the existing file, with devsvc's markers, lone `\r` and
/// `\n` mixed in so the edge cases come up often, and any pairs of names
/// and values.
fn any_existing() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<String>(),
            Just("# >>> devsvc p\n".to_string()),
            Just("# <<< devsvc\n".to_string()),
            Just("# >>> devsvc".to_string()),
            Just("\r".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            "[A-Z_]{1,4}=[^\n]{0,8}".prop_map(|s| s),
        ],
        0..10,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// What the fuzz target checks, kept running in every test run: never a
    /// panic, idempotent, and the user's text kept as a prefix.
    #[test]
    fn merge_holds_for_any_input_like_the_fuzz_target(
        existing in any_existing(),
        pairs in prop::collection::vec((any::<String>(), any::<String>()), 0..5),
        names in prop::collection::vec(("[A-Za-z0-9_]{1,8}", any::<String>()), 0..5),
    ) {
        let vars: IndexMap<String, String> = pairs
            .into_iter()
            .chain(names)
            .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        if let Ok(once) = merge(&existing, "p", &vars) {
            let twice = merge(&once, "p", &vars).expect("a merged file merges again");
            prop_assert_eq!(&once, &twice, "merge is idempotent");
            if !existing.contains("# >>> devsvc") && !existing.contains("# <<< devsvc") {
                let trimmed = existing.strip_suffix('\n').unwrap_or(&existing);
                prop_assert!(once.starts_with(trimmed), "user text kept as a prefix");
            }
        }
    }
}
