//! `devsvc open`: a service's web UI handed to the browser command
//! (`BROWSER`, here a script that records what it was given), or its
//! address printed when there is no browser and no terminal; `status`
//! shows the same address.

use crate::common::*;

#[test]
fn open_hands_the_web_ui_to_the_browser_or_prints_its_address() {
    let mut project = TestProject::new("open", "services:\n  redis: {}\n  mailhog: {}\n");
    project
        .cli(&["open", "mailhog"])
        .status(1)
        .stderr("error: service `mailhog` is not running; run `devsvc up mailhog` first\n")
        .run();
    project.run(&["up"]).ok();

    // No BROWSER and no terminal (the test's pipes): the address, printed.
    let url = project.run(&["open", "mailhog"]).ok().stdout;
    let url = url.strip_suffix('\n').expect("one line");
    assert_eq!(url, project.dotenv()["MAILHOG_URL"]);
    let page = python(
        "import os, urllib.request\nassert urllib.request.urlopen(os.environ['MAILHOG_URL'] + '/api/v2/messages').status == 200",
        &project.dotenv(),
    );
    assert_eq!(page.code, 0, "the address serves the UI: {}", page.stderr);

    // BROWSER gets the address as its last argument, or in place of %s.
    let record = project.path().join("opened");
    let browser = project.path().join("fake-browser");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let browser = browser.display().to_string();
    project
        .cli(&["open", "mailhog"])
        .env("BROWSER", &browser)
        .stdout("")
        .stderr_contains(&format!("mailhog: opened {url} with `{browser}`"))
        .run();
    assert_eq!(
        std::fs::read_to_string(&record).unwrap(),
        format!("{url}\n")
    );
    project
        .cli(&["open", "mailhog"])
        .env("BROWSER", &format!("{browser} --new-window %s"))
        .run();
    assert_eq!(
        std::fs::read_to_string(&record).unwrap(),
        format!("--new-window\n{url}\n")
    );

    // A browser that fails: exit 1, and the address is still there.
    project
        .cli(&["open", "mailhog"])
        .env("BROWSER", "false")
        .status(1)
        .stdout(&format!("{url}\n"))
        .stderr_contains(&format!(
            "could not open {url} with `false` (it exited with exit status: 1)"
        ))
        .run();

    // A service without a web UI, and one that is not configured.
    project
        .cli(&["open", "redis"])
        .status(2)
        .stderr("error: service `redis` has no web UI to open; services with one: mailhog\n")
        .run();
    project
        .cli(&["open", "mailhgo"])
        .status(2)
        .stderr_contains("mailhgo")
        .stderr_contains("did you mean `mailhog`?")
        .run();

    let status: serde_json::Value =
        serde_json::from_str(&project.run(&["status", "--json"]).ok().stdout).unwrap();
    assert_eq!(status[0]["web"], serde_json::Value::Null, "redis has none");
    assert_eq!(status[1]["web"], url);
    project
        .cli(&["status"])
        .stdout_contains(&format!(" {url}\n"))
        .run();
    project.teardown().ok();
}
