//! devsvc's integration tests, as one test binary (`cli`): each module runs
//! the real `devsvc` binary through the harness in `common` (hermetic
//! projects, the `Cli` builder, guards, `leftovers`). Config-only tests run
//! with `.no_engine()` and so prove they never touch the engine; the rest
//! use the real engine that `scripts/test-env` prepared.
//!
//! - `attached`: one app runs unchanged against devsvc's containers,
//!   external resources and a profile; `env` for an all-external profile
//!   needs no engine; `doctor` masks external passwords.
//! - `branch`: `data: per-branch` in a real git repository: volumes per
//!   branch behind one env file; `down --volumes [--all-branches]`.
//! - `compose`: `init --from-compose` on `tests/compose-corpus/`: each
//!   entry converted, checked by `devsvc config`, file and report pinned;
//!   a `:?` variable unset, no file, never overwriting, `--json`. No engine.
//! - `config_errors`: services.yaml mistakes exit 2 with the exact located
//!   message; numbers out of range; interpolation; `init`. No engine.
//! - `converted_up`: three compose corpus entries converted and brought
//!   up, real clients through the env file only, with the compose files'
//!   fixed passwords (named so the engine-free filter `compose` skips it).
//! - `databases`: PostgreSQL, MySQL, MariaDB, memcached and RabbitMQ with
//!   real clients through the env file; `databases:` and `init:`; a lost
//!   state folder; an external database; a `tcp` probe that waits.
//! - `detect`: `init --detect` on `tests/detect-corpus/`: proposals and
//!   their evidence pinned; a folder naming no service proposes nothing.
//!   No engine.
//! - `docs`: README.md and docs/*.md: every services.yaml and template
//!   example passes `devsvc config`, every `devsvc ...` command shown
//!   parses, every relative link and anchor resolves; `devsvc man`'s
//!   pages read with `man -l`. No engine.
//! - `engine_restart`: dockerd restarted while `up` waits: exit 3 at
//!   once, and the next `up` converges with the data (`#[ignore]`d: it
//!   restarts the shared engine; `scripts/test` runs it alone).
//! - `envfile`: atomic env file writes under SIGKILL, file modes, the
//!   git-ignore warning, user lines shadowing ours, concurrent `up`.
//! - `envfile_props`: property tests of the env file merge, one over the
//!   fuzz target's whole input space.
//! - `faults`: interrupts, a killed devsvc, no engine, a service never
//!   ready (its latest log line under the spinner on a terminal), clashing
//!   ports and names, unpullable images, contexts, a remote
//!   engine; nothing left unlabelled, nothing foreign touched.
//! - `frameworks`: Django's `migrate` through dj-database-url, SQLAlchemy
//!   with `DATABASE_URL` as given, a Celery task over `AMQP_URL` and
//!   `REDIS_URL`.
//! - `harness`: the harness's isolation: an app's variables and empty
//!   HOME; the tests' `docker` and `git` calls pinned. No engine.
//! - `init_cache`: a fresh PostgreSQL volume from the init cache holds
//!   what initialisation made; changed inputs miss; a damaged entry is
//!   refused; `cache ls|clear`.
//! - `instances`: several instances of one template and an inline service
//!   side by side.
//! - `open`: a web UI through a recorded `BROWSER` command, or printed.
//! - `reconcile`: idempotent `up`, recreate only what changed, prune,
//!   stable ports, `run`, JSON, `logs`, a closed stdout, a damaged state
//!   file.
//! - `schema`: `devsvc schema` checked by a real JSON Schema validator:
//!   README's examples, the tests' files, `init`'s starter and the
//!   templates pass; shape mistakes of `config_errors` fail, the rest are
//!   listed with why. No engine.
//! - `seed`: seed data from a Redis command file and S3 folders, once;
//!   `seed --force`; a failing seed.
//! - `shared`: two projects on one shared PostgreSQL, each with its own
//!   role, secret and databases, refused on the other's; `down
//!   --volumes` drops one slice; the last `down` stops the server; two
//!   `up`s at once.
//! - `snapshot`: save, restore one service while the others keep running,
//!   restore all, refuse another image.
//! - `ssh`: a remote engine through a real sshd on 127.0.0.1 (key only):
//!   `up`, real clients, `down`; a wrong key and a host without docker.
//! - `tls`: TLS to external resources against real servers on the host
//!   (redis-server's TLS port, PostgreSQL with `ssl=on`, S3 behind
//!   HTTPS) with a CA the test makes, and a listener proving no
//!   credential goes out in clear; `ca_file` mistakes. No engine.
//! - `up_down`: the repository's services.yaml end to end with real
//!   clients; `down --volumes` leaves nothing; loopback-only ports; both
//!   mail catchers.

mod common;

mod attached;
mod branch;
mod compose;
mod config_errors;
mod converted_up;
mod databases;
mod detect;
mod docs;
mod engine_restart;
mod envfile;
mod envfile_props;
mod faults;
mod frameworks;
mod harness;
mod init_cache;
mod instances;
mod next_kinds;
mod open;
mod reconcile;
mod schema;
mod seed;
mod shared;
mod snapshot;
mod ssh;
mod tls;
mod tls_servers;
mod trust;
mod up_down;
