//! `devsvc open SERVICE`: the service's web UI (a mail viewer, a console)
//! in the browser, or its address printed when there is no browser to
//! start or no terminal to start one from.
use std::process::Stdio;
use std::time::Duration;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::exports;
use crate::lifecycle::select;

/// A browser still running after this long has taken the address (the
/// first window of some browsers runs until it is closed).
const BROWSER_GRACE: Duration = Duration::from_secs(3);

pub(crate) async fn run(ctx: &Context, service: &str) -> Result<()> {
    let project = ctx.load_project()?;
    let spec = select(&project, &[service.to_string()])?[0];
    if spec.web.is_none() || spec.external.is_some() {
        let with_ui: Vec<&str> = project
            .services
            .iter()
            .filter(|s| s.web.is_some() && s.external.is_none())
            .map(|s| s.name.as_str())
            .collect();
        let hint = match with_ui.as_slice() {
            [] => "no service of this project has one".to_string(),
            names => format!("services with one: {}", names.join(", ")),
        };
        return Err(Error::Usage(format!(
            "service `{service}` has no web UI to open; {hint}"
        )));
    }
    let engine = ctx.engine().await?;
    let observed = crate::lifecycle::observe(&engine, &project).await?;
    let state = ctx.state(&project)?;
    let placement = ctx.placement(&engine, &project);
    let Some(inst) = exports::running_instance(&project, spec, &observed, &state, &placement)?
    else {
        return Err(Error::Runtime(format!(
            "service `{service}` is not running; run `devsvc up {service}` first"
        )));
    };
    let url = inst
        .web
        .ok_or_else(|| Error::Runtime(format!("service `{service}`: no address for its web UI")))?;
    let Some(browser) = &ctx.settings.browser else {
        return ctx.ui.data(&format!("{url}\n"));
    };
    match launch(browser, &url).await {
        Ok(()) => {
            ctx.ui
                .event(service, &format!("opened {url} with `{browser}`"));
            Ok(())
        }
        Err(reason) => {
            ctx.ui.data(&format!("{url}\n"))?;
            Err(Error::Runtime(format!(
                "could not open {url} with `{browser}` ({reason}); the address is printed above"
            )))
        }
    }
}

/// Starts the browser command with the address: in place of `%s`, else as
/// its last argument (the convention of `BROWSER`). Fails when it cannot
/// start or exits unsuccessfully at once.
async fn launch(browser: &str, url: &str) -> std::result::Result<(), String> {
    let mut words: Vec<String> = browser.split_whitespace().map(str::to_string).collect();
    if words.iter().any(|w| w.contains("%s")) {
        words = words.iter().map(|w| w.replace("%s", url)).collect();
    } else {
        words.push(url.to_string());
    }
    let (program, args) = words.split_first().ok_or("an empty command")?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(BROWSER_GRACE, child.wait()).await {
        Err(_) => Ok(()),
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("it exited with {status}")),
        Ok(Err(e)) => Err(e.to_string()),
    }
}
