//! The documentation is tested: README.md and every `*.md` under docs/.
//! Each fenced YAML block that is a services.yaml passes `devsvc config`
//! (no engine), and each template (top-level `image:`) passes it as an
//! `inline:` service; each `devsvc ...` command line shown, in a shell
//! block or as inline code, parses with the current CLI; each relative
//! link names a file of the repository, and its `#anchor` a heading there.
//! A failure names the file, the line and what is wrong. And the man
//! pages `devsvc man` writes read with `man -l`.
//!
//! A YAML block that is deliberately not a whole file of devsvc's says so
//! on the line before its fence, in an HTML comment GitHub does not show:
//! `<!-- fragment -->` (a piece of one: not checked), `<!-- invalid -->`
//! (a mistake on purpose: `devsvc config` must refuse it, exit 2) or
//! `<!-- not devsvc -->` (another tool's file: compose, a workflow). An
//! unmarked block that is neither a services.yaml nor a template fails, so
//! a new fragment cannot slip past unchecked. A whole example naming files
//! (`init:`, `seed:`) lists them, `<!-- files: db/schema.sql -->`, and the
//! test makes them (empty; a folder where the name ends in `/`).
//!
//! The schema test reads the same blocks ([`yaml_blocks`]) and validates
//! them against `devsvc schema`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::common::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One Markdown file of the documentation.
pub(crate) struct Doc {
    /// Relative to the repository, as reports name it.
    pub name: String,
    pub text: String,
}

/// README.md and every `*.md` under docs/ (at any depth), in a stable order.
pub(crate) fn docs() -> Vec<Doc> {
    let mut paths = vec![PathBuf::from("README.md")];
    let mut dirs = vec![PathBuf::from("docs")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(Path::new(ROOT).join(&dir)) else {
            continue;
        };
        for entry in entries {
            let path = dir.join(entry.unwrap().file_name());
            if Path::new(ROOT).join(&path).is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| Doc {
            name: path.display().to_string(),
            text: std::fs::read_to_string(Path::new(ROOT).join(&path)).unwrap(),
        })
        .collect()
}

/// A fenced code block.
pub(crate) struct Block {
    /// The file and the line of its opening fence, `README.md:151`.
    pub at: String,
    /// The fence's line number, 1-based.
    pub line: usize,
    /// The info string's first word (`yaml`, `sh`, ...).
    pub lang: String,
    /// The marker comment on the line before the fence, if any
    /// (`fragment` for `<!-- fragment -->`).
    pub marker: Option<String>,
    pub text: String,
}

impl Block {
    /// The files a whole example names and the test makes for it, from its
    /// marker `<!-- files: db/schema.sql, fixtures/s3/uploads/ -->`.
    fn files(&self) -> Option<Vec<&str>> {
        let list = self.marker.as_deref()?.strip_prefix("files:")?;
        Some(list.split(',').map(str::trim).collect())
    }

    /// The file's line holding the block's `n`th line (1-based).
    fn doc_line(&self, n: usize) -> usize {
        self.line + n
    }
}

/// The fenced code blocks of a document.
pub(crate) fn blocks(doc: &Doc) -> Vec<Block> {
    let lines: Vec<&str> = doc.text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = fence(lines[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut body = String::new();
        i += 1;
        while i < lines.len() && fence(lines[i]) != Some("") {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        let marker = lines[..start]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| l.trim().strip_prefix("<!--")?.strip_suffix("-->"))
            .map(|m| m.trim().to_string());
        out.push(Block {
            at: format!("{}:{}", doc.name, start + 1),
            line: start + 1,
            lang: info.split_whitespace().next().unwrap_or("").to_string(),
            marker,
            text: body,
        });
        i += 1;
    }
    out
}

/// The info string of a fence line (```` ```yaml ````: `yaml`), or `None`.
fn fence(line: &str) -> Option<&str> {
    let trimmed = line.trim_start_matches(' ');
    (line.len() - trimmed.len() < 4)
        .then(|| trimmed.strip_prefix("```"))
        .flatten()
        .map(str::trim)
}

/// The keys at the top level of a YAML block.
fn top_keys(yaml: &str) -> BTreeSet<&str> {
    yaml.lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && !l.is_empty())
        .filter_map(|l| l.split_once(':').map(|(key, _)| key.trim()))
        .collect()
}

/// The unmarked YAML blocks of every document with `key` at their top level
/// (`services`: services.yaml files; `image`: templates).
pub(crate) fn yaml_blocks(key: &str) -> Vec<Block> {
    docs()
        .iter()
        .flat_map(blocks)
        .filter(|b| matches!(b.lang.as_str(), "yaml" | "yml"))
        .filter(|b| b.marker.is_none() || b.files().is_some())
        .filter(|b| top_keys(&b.text).contains(key))
        .collect()
}

/// `devsvc config` on one services.yaml in a project of its own holding
/// `files` (empty; a folder where the name ends in `/`), with no engine:
/// `Err` with devsvc's exit code and stderr when the code is not `status`.
fn config(yaml: &str, files: &[&str], status: i32) -> Result<(), String> {
    let project = TestProject::new("docs", yaml);
    for file in files {
        let path = project.path().join(file);
        if file.ends_with('/') {
            std::fs::create_dir_all(path).unwrap();
        } else {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
    }
    let run = project
        .cli(&["config"])
        .no_engine()
        .without("DEVSVC_PROJECT")
        .status(status)
        .check();
    run.map(drop).map_err(|report| {
        let after = |mark: &str| report.split_once(mark).map_or("", |(_, rest)| rest);
        let code = after("--- exit code ").lines().next().unwrap_or("");
        format!("exit {code}: {}", after("--- stderr:\n").trim_end())
    })
}

/// Where devsvc's message puts a mistake (`services.yaml:3:15: ...`): the
/// file's line, given the block's line `offset` of the services.yaml's first.
fn mistake_line(block: &Block, stderr: &str, offset: usize) -> usize {
    let line = stderr
        .split_once("services.yaml:")
        .and_then(|(_, rest)| rest.split(':').next()?.parse::<usize>().ok());
    line.map_or(block.line, |n| block.doc_line(n.saturating_sub(offset)))
}

/// What is wrong with one YAML block, if anything; `checked` counts those
/// run through `devsvc config`.
fn yaml_problem(doc: &Doc, block: &Block, checked: &mut usize) -> Option<String> {
    let keys = top_keys(&block.text);
    let (yaml, offset) = if keys.contains("services") {
        (block.text.clone(), 0)
    } else if keys.contains("image") {
        (inline(&block.text), 3)
    } else {
        (String::new(), 0)
    };
    let files = block.files();
    match block.marker.as_deref() {
        Some("fragment" | "not devsvc") => None,
        Some("invalid") => config(&yaml, &[], 2).err().map(|said| {
            format!(
                "{}: marked invalid, but `devsvc config` does not refuse it with exit 2 \
                 (a configuration error): {said}",
                block.at
            )
        }),
        _ if yaml.is_empty() => Some(format!(
            "{}: a YAML block that is neither a services.yaml (top-level `services:`) nor a \
             template (top-level `image:`); mark it `<!-- fragment -->` or `<!-- not devsvc -->` \
             on the line before the fence",
            block.at
        )),
        Some(other) if files.is_none() => Some(format!(
            "{}: unknown marker `<!-- {other} -->` (fragment, invalid, not devsvc or files: ...)",
            block.at
        )),
        _ => {
            *checked += 1;
            let files = files.unwrap_or_default();
            config(&yaml, &files, 0).err().map(|said| {
                let line = mistake_line(block, &said, offset);
                let how = if offset > 0 { " as an `inline:` service" } else { "" };
                format!(
                    "{}:{line}: `devsvc config` refuses the example{how} (block at line {}), {said}",
                    doc.name, block.line
                )
            })
        }
    }
}

#[test]
fn every_yaml_example_is_a_file_devsvc_takes_or_is_marked() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for doc in docs() {
        for block in blocks(&doc) {
            if matches!(block.lang.as_str(), "yaml" | "yml") {
                wrong.extend(yaml_problem(&doc, &block, &mut checked));
            }
        }
    }
    assert!(checked >= 5, "few YAML examples found: {checked}");
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n\n"));
}

/// A template as the one service of a services.yaml, under `inline:`,
/// where devsvc loads it with the same loader as templates/*.yaml.
fn inline(template: &str) -> String {
    let body: String = template.lines().map(|l| format!("      {l}\n")).collect();
    format!("services:\n  example:\n    inline:\n{body}")
}

/// One `devsvc` command shown in the documentation.
struct Shown {
    /// `README.md:42`
    at: String,
    /// The words after `devsvc`.
    args: Vec<String>,
    /// In inline code, where `devsvc run` may name a command rather than
    /// show a whole call.
    inline: bool,
}

/// Every `devsvc ...` command in the shell blocks (`sh`, `console`,
/// `bash`, `shell`; in `console`, only `$ ` lines) and in inline code
/// outside blocks.
fn shown_commands(doc: &Doc) -> Vec<Shown> {
    let mut found = Vec::new();
    let blocks = blocks(doc);
    for block in &blocks {
        if !matches!(block.lang.as_str(), "sh" | "console" | "bash" | "shell") {
            continue;
        }
        for (n, line) in block.text.lines().enumerate() {
            let line = line.trim();
            let command = match block.lang.as_str() {
                "console" => match line.strip_prefix("$ ") {
                    Some(command) => command,
                    None => continue,
                },
                _ => line.strip_prefix("$ ").unwrap_or(line),
            };
            let at = format!("{}:{}", doc.name, block.doc_line(n + 1));
            found.extend(devsvc_calls(command).map(|args| Shown {
                at: at.clone(),
                args,
                inline: false,
            }));
        }
    }
    for (line, code) in code_spans(&outside_blocks(doc)) {
        // A synopsis (`devsvc logs SERVICE [-f] [--tail N]`) stands for
        // each command it allows: every alternative, every option.
        for command in synopsis_commands(&code) {
            found.extend(devsvc_calls(&command).map(|args| Shown {
                at: format!("{}:{line}", doc.name),
                args,
                inline: true,
            }));
        }
    }
    found
}

/// The document with its fenced blocks blanked out, lines kept in place.
fn outside_blocks(doc: &Doc) -> String {
    let blocks = blocks(doc);
    let inside = |n: usize| {
        blocks
            .iter()
            .any(|b| b.line <= n && n <= b.line + b.text.lines().count() + 1)
    };
    doc.text
        .lines()
        .enumerate()
        .map(|(i, line)| if inside(i + 1) { "" } else { line })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each inline code span (`` `...` ``, across a line break too) with the
/// line it starts on; its text as one line.
fn code_spans(text: &str) -> Vec<(usize, String)> {
    let mut spans = Vec::new();
    let mut rest = text;
    let mut line = 1;
    while let Some(open) = rest.find('`') {
        line += rest[..open].matches('\n').count();
        let ticks = rest[open..].len() - rest[open..].trim_start_matches('`').len();
        let body = &rest[open + ticks..];
        let Some(close) = body.find(&"`".repeat(ticks)) else {
            break;
        };
        let words: Vec<&str> = body[..close].split_whitespace().collect();
        spans.push((line, words.join(" ")));
        line += body[..close].matches('\n').count();
        rest = &body[close + ticks..];
    }
    spans
}

/// The text with every inline code span blanked out, lines kept in place.
fn without_code_spans(text: &str) -> String {
    let mut out = String::new();
    for (i, piece) in text.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(piece);
        } else {
            out.extend(piece.chars().filter(|&c| c == '\n'));
        }
    }
    out
}

/// The commands a synopsis allows: brackets dropped (every optional part
/// present), each alternative (`a\|b`, as a table cell escapes `|`) once.
/// Placeholders get a value in [`devsvc_calls`].
fn synopsis_commands(synopsis: &str) -> Vec<String> {
    if !synopsis.starts_with("devsvc ") || !synopsis.contains(['[', '\\']) {
        return vec![synopsis.to_string()];
    }
    let words: Vec<Vec<String>> = synopsis
        .replace(['[', ']'], " ")
        .split_whitespace()
        .map(|w| w.split("\\|").map(String::from).collect())
        .collect();
    let widest = words.iter().map(Vec::len).max().unwrap_or(1);
    (0..widest)
        .map(|i| {
            let chosen: Vec<&str> = words
                .iter()
                .map(|w| w[i.min(w.len() - 1)].as_str())
                .collect();
            chosen.join(" ")
        })
        .collect()
}

/// The arguments of each `devsvc` call in a shell line: comments, pipes,
/// `&&`/`||`/`;` chains, redirections and leading `VAR=value` assignments
/// taken off, placeholders (`NAME`, `SERVICE...`) given a value.
fn devsvc_calls(line: &str) -> impl Iterator<Item = Vec<String>> {
    let words = shell_words(line);
    let mut calls = Vec::new();
    for command in words.split(|w| matches!(w.as_str(), "|" | "||" | "&&" | ";")) {
        let mut command = command
            .iter()
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .peekable();
        if command.next().map(String::as_str) != Some("devsvc") {
            continue;
        }
        let mut args = Vec::new();
        while let Some(word) = command.next() {
            if matches!(word.as_str(), ">" | ">>" | "<" | "2>" | "2>&1") {
                command.next();
                continue;
            }
            args.push(placeholder(word));
        }
        calls.push(args);
    }
    calls.into_iter()
}

/// A placeholder word (`NAME`, `SERVICE...`, `N`, `CMD`) as a value; any
/// other word as it is.
fn placeholder(word: &str) -> String {
    let bare = word.trim_end_matches("...");
    if !bare.is_empty() && bare.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        "1".to_string()
    } else {
        word.to_string()
    }
}

/// A shell line as words: quotes taken off, `#` comments dropped, and the
/// operators `|`, `||`, `&&`, `;` as words of their own.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, '#') if !started => break,
            (None, ' ' | '\t') => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            (None, '|' | '&' | ';') => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
                let mut op = c.to_string();
                if chars.peek() == Some(&c) {
                    op.push(chars.next().unwrap());
                }
                words.push(op);
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// Each command is given to the very parser the binary uses
/// (`devsvc::cli::Cli`, clap), not run: `--help` would stop before the
/// checks of values and required arguments, and running it would need
/// projects and an engine. `--help` and `--version` shown as such parse.
/// (clap also reads the `DEVSVC_*` variables of this test's environment,
/// as the binary would.)
#[test]
fn every_devsvc_command_shown_parses() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for doc in docs() {
        for shown in shown_commands(&doc) {
            checked += 1;
            if shown.inline && names_a_command(&shown.args) {
                continue;
            }
            let argv = std::iter::once("devsvc".to_string()).chain(shown.args.clone());
            if let Err(e) = devsvc::cli::Cli::try_parse_from(argv) {
                use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
                if !matches!(e.kind(), DisplayHelp | DisplayVersion) {
                    let message = e.render().to_string();
                    let first = message.lines().next().unwrap_or("");
                    wrong.push(format!(
                        "{}: `devsvc {}` does not parse: {first}",
                        shown.at,
                        shown.args.join(" ")
                    ));
                }
            }
        }
    }
    assert!(checked >= 20, "few devsvc commands found: {checked}");
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// Whether the words are only subcommand names (`snapshot save`, or none:
/// the program itself), as prose names a command.
fn names_a_command(args: &[String]) -> bool {
    let mut cmd = <devsvc::cli::Cli as clap::CommandFactory>::command();
    for word in args {
        match cmd.find_subcommand(word) {
            Some(sub) => cmd = sub.clone(),
            None => return false,
        }
    }
    true
}

/// Every `[text](target)` outside code, with its line.
fn links(doc: &Doc) -> Vec<(usize, String)> {
    let prose = without_code_spans(&outside_blocks(doc));
    let mut found = Vec::new();
    for (n, line) in prose.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = rest[..end].split_whitespace().next().unwrap_or("");
            found.push((n + 1, target.to_string()));
            rest = &rest[end..];
        }
    }
    found
}

/// GitHub's anchor for a heading: lower case, inline code and link
/// markup taken off, punctuation but `-` and `_` dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    let mut text = heading.replace('`', "");
    while let (Some(open), Some(close)) = (text.find("]("), text.find(')')) {
        if close < open {
            break;
        }
        text.replace_range(open..=close, "");
    }
    text.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (repeats as `-1`, `-2`, as
/// GitHub numbers them).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut in_code = false;
    for line in text.lines() {
        if fence(line).is_some() {
            in_code = !in_code;
        }
        let Some(heading) = line.strip_prefix('#').filter(|_| !in_code) else {
            continue;
        };
        let base = slug(heading.trim_start_matches('#').trim());
        let mut anchor = base.clone();
        let mut n = 0;
        while !seen.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
    }
    seen
}

#[test]
fn every_relative_link_names_a_file_and_its_heading() {
    let mut wrong = Vec::new();
    for doc in docs() {
        let folder = Path::new(&doc.name).parent().unwrap_or(Path::new(""));
        for (line, target) in links(&doc) {
            if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let file = match path {
                "" => PathBuf::from(&doc.name),
                absolute if absolute.starts_with('/') => PathBuf::from(&absolute[1..]),
                relative => folder.join(relative),
            };
            let full = Path::new(ROOT).join(&file);
            if !full.exists() {
                wrong.push(format!(
                    "{}:{line}: link `{target}`: no file {}",
                    doc.name,
                    file.display()
                ));
                continue;
            }
            let markdown = full.extension().is_some_and(|e| e == "md");
            if anchor.is_empty() || !markdown {
                continue;
            }
            let text = std::fs::read_to_string(&full).unwrap();
            if !anchors(&text).contains(anchor) {
                wrong.push(format!(
                    "{}:{line}: link `{target}`: {} has no heading with the anchor `#{anchor}`",
                    doc.name,
                    file.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn the_parts_of_the_docs_test_read_markdown_as_github_does() {
    assert_eq!(
        slug("Proposing services from the app: `--detect`"),
        "proposing-services-from-the-app---detect"
    );
    assert_eq!(
        slug("Data: seeds, snapshots, branches"),
        "data-seeds-snapshots-branches"
    );
    assert_eq!(
        anchors("# A\n## A\n```\n# not a heading\n```\n"),
        BTreeSet::from(["a".to_string(), "a-1".to_string()])
    );
    let calls: Vec<Vec<String>> =
        devsvc_calls("DOCKER_HOST=ssh://x devsvc up -q && devsvc status | head -1 # why").collect();
    assert_eq!(calls, [vec!["up", "-q"], vec!["status"]]);
    assert_eq!(
        synopsis_commands(r"devsvc snapshot save\|restore NAME [SERVICE...]"),
        [
            "devsvc snapshot save NAME SERVICE...",
            "devsvc snapshot restore NAME SERVICE..."
        ]
    );
    let calls: Vec<Vec<String>> = devsvc_calls("devsvc logs SERVICE --tail N").collect();
    assert_eq!(calls, [vec!["logs", "1", "--tail", "1"]]);
    let doc = Doc {
        name: "x.md".into(),
        text: "<!-- fragment -->\n```yaml\na: 1\n```\n".into(),
    };
    let found = blocks(&doc);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].marker.as_deref(), Some("fragment"));
    assert_eq!((found[0].line, found[0].text.as_str()), (2, "a: 1\n"));
}

/// A man page as a reader sees it: `man -l` (man-db, groff), with lines
/// long enough that no phrase is broken, and white space folded.
fn read_man_page(path: &Path) -> String {
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(path)
        .env_clear()
        .env("PATH", runner_path())
        .env("MANWIDTH", "1000")
        .env("MANROFFOPT", "-rHY=0")
        .output()
        .expect("man runs (scripts/test-env installs man-db)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "man -l {}: {stderr}",
        path.display()
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `devsvc man --out DIR` writes devsvc.1 and a page per subcommand, each
/// readable by `man`: devsvc(1) names every subcommand, the pages carry
/// the options' help; `devsvc man` prints devsvc.1 itself.
#[test]
fn the_man_pages_read_with_man_and_carry_the_help() {
    let project = TestProject::new("man", "services: {}\n");
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("man1");
    project
        .cli(&["man", "--out", dir.to_str().unwrap()])
        .no_engine()
        .run();
    let main = read_man_page(&dir.join("devsvc.1"));
    let cli = <devsvc::cli::Cli as clap::CommandFactory>::command();
    let mut wrong = Vec::new();
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        if !main.contains(&format!("devsvc-{name}(1)")) {
            wrong.push(format!("devsvc.1 does not name `{name}`"));
        }
        if !dir.join(format!("devsvc-{name}.1")).is_file() {
            wrong.push(format!("no page devsvc-{name}.1"));
        }
    }
    assert!(!main.contains("devsvc-man"), "the hidden `man` is listed");
    for (page, pieces) in [
        (
            "devsvc.1",
            &[
                "devsvc - Backing services for local development",
                "--stop-grace",
                "Seconds a stopping service gets between SIGTERM and SIGKILL (0 to 3600)",
                "May also be specified with the DEVSVC_TIMEOUT environment variable.",
            ][..],
        ),
        (
            "devsvc-down.1",
            &["--volumes", "Also remove the project's data volumes"],
        ),
        (
            "devsvc-logs.1",
            &["-f, --follow", "Keep following new output"],
        ),
        (
            "devsvc-snapshot-save.1",
            &["Save the data of services (all that keep data when none are named)"],
        ),
    ] {
        let text = read_man_page(&dir.join(page));
        for piece in pieces {
            if !text.contains(piece) {
                wrong.push(format!("{page} lacks {piece:?}:\n{text}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let printed = project.cli(&["man"]).no_engine().run().stdout;
    assert_eq!(
        printed,
        std::fs::read_to_string(dir.join("devsvc.1")).unwrap()
    );
}
