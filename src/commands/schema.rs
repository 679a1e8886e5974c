//! `devsvc schema`: the JSON Schema of services.yaml, or with `--template`
//! of a template file, from the binary in use (so it matches what this
//! version accepts).
use crate::context::Context;
use crate::error::Result;

pub(crate) fn run(ctx: &Context, template: bool) -> Result<()> {
    let schema = if template {
        crate::schema::template_file()
    } else {
        crate::schema::services_file()
    };
    ctx.ui.data(&schema)
}
