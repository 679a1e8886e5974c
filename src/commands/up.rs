//! `devsvc up [SERVICE...]`: bring services up (see `lifecycle::up` for the
//! stages), then print where everything is.
use crate::context::Context;
use crate::error::Result;
use crate::lifecycle;
use crate::table::table;

pub(crate) async fn run(ctx: &Context, names: &[String]) -> Result<()> {
    let Some(report) = lifecycle::up::up(ctx, names).await? else {
        return Ok(());
    };
    if !ctx.ui.chatty() {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = report
        .ready
        .iter()
        .map(|i| {
            let ports: Vec<String> = i
                .host_ports
                .iter()
                .map(|p| format!("{} {}:{}", p.name, report.host, p.host))
                .collect();
            vec![i.service.clone(), "ready".into(), ports.join(", ")]
        })
        .collect();
    ctx.ui
        .data(&table(&["SERVICE", "STATE", "ENDPOINTS"], &rows))?;
    ctx.ui.event(
        &report.project,
        &format!("ready in {:.1} s", report.started.elapsed().as_secs_f64()),
    );
    Ok(())
}
