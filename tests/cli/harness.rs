//! The harness's own isolation, checked: an app under test sees only its
//! env file's variables, PATH and an empty HOME of its own; the tests'
//! `docker` and `git` calls carry their own engine and configuration, so
//! nothing of the runner's (`DOCKER_HOST`, `DOCKER_CONTEXT`, `~/.docker`,
//! `~/.gitconfig`) decides what they look at. (`scripts/test` runs the
//! suite with a `DOCKER_HOST` and `DOCKER_CONTEXT` that lead nowhere, so
//! any call that escaped this pinning fails the run.) No engine.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

#[test]
fn an_app_sees_its_variables_path_and_an_empty_home_of_its_own() {
    let vars = BTreeMap::from([("REDIS_URL".to_string(), "redis://x".to_string())]);
    let script = "import os, json\n\
                  home = os.environ.get('HOME')\n\
                  print(json.dumps({'keys': sorted(os.environ), 'home': home,\n\
                  'listing': os.listdir(home) if home else None,\n\
                  'expanded': os.path.expanduser('~')}))\n";
    let first = python(script, &vars);
    let second = python(script, &vars);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let seen: serde_json::Value = serde_json::from_str(first.stdout.trim()).unwrap();
    let again: serde_json::Value = serde_json::from_str(second.stdout.trim()).unwrap();
    // LC_CTYPE is Python's own: it coerces the C locale at start (PEP 538).
    let keys: Vec<&str> = seen["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k.as_str())
        .filter(|k| *k != "LC_CTYPE")
        .collect();
    assert_eq!(keys, ["HOME", "PATH", "REDIS_URL"]);
    let home = seen["home"].as_str().expect("HOME is set");
    assert_eq!(seen["listing"], serde_json::json!([]), "HOME is empty");
    assert_eq!(seen["expanded"], home, "~ is that folder, not the runner's");
    assert_ne!(Some(home), std::env::var("HOME").ok().as_deref());
    assert_ne!(again["home"], seen["home"], "each app run has its own");
    assert!(!Path::new(home).exists(), "removed once the app ended");
}

#[test]
fn the_tests_docker_and_git_calls_carry_their_own_engine_and_configuration() {
    let docker = docker_command();
    let set: BTreeMap<String, String> = docker
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_str()?.into(), v?.to_str()?.into())))
        .collect();
    assert_eq!(set["DOCKER_HOST"], test_engine());
    let config = Path::new(&set["DOCKER_CONFIG"]);
    assert_eq!(std::fs::read_dir(config).unwrap().count(), 0);
    assert!(!set.contains_key("DOCKER_CONTEXT"));

    // git, run with its configuration shown: nothing but the test's author.
    let dir = tempfile::tempdir().unwrap();
    let out = git_command(dir.path())
        .args(["config", "--list", "--show-origin"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    let origins: Vec<&str> = listed
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    assert!(
        origins.iter().all(|o| *o == "command line:"),
        "only the test's own settings: {listed}"
    );
}
