//! Runs a Taegis API sandbox on loopback until Ctrl-C or SIGTERM, printing its settings as
//! `KEY=value` lines first (what `taegis sandbox serve` does).
//!
//! ```sh
//! cargo run --example sandbox_serve --features sandbox -- [--tenants N] [--seed S] \
//!     [--token-ttl SECONDS] [--latency-ms MS] [--fail-rate R] [--addr 127.0.0.1:PORT]
//! ```

use std::str::FromStr;
use std::time::Duration;
use taegis_sandbox::{serve_forever, Sandbox};

fn usage(message: &str) -> ! {
    eprintln!("error: {message}");
    eprintln!(
        "usage: sandbox_serve [--addr 127.0.0.1:PORT] [--tenants N] [--seed S] \
         [--token-ttl SECONDS] [--latency-ms MS] [--fail-rate R]"
    );
    std::process::exit(2);
}

fn parse<T: FromStr>(flag: &str, value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|_| usage(&format!("invalid value for {flag}: {value}")))
}

#[tokio::main]
async fn main() {
    let mut builder = Sandbox::builder();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let v = value.as_str();
        builder = match flag.as_str() {
            "--addr" => builder.addr(parse(&flag, v)),
            "--tenants" => builder.tenants(parse(&flag, v)),
            "--seed" => builder.seed(parse(&flag, v)),
            "--token-ttl" => builder.token_ttl(Duration::from_secs_f64(parse(&flag, v))),
            "--latency-ms" => builder.latency(Duration::from_millis(parse(&flag, v))),
            "--fail-rate" => builder.fail_rate(parse(&flag, v)),
            other => usage(&format!("unknown option {other}")),
        };
    }
    if let Err(e) = serve_forever(builder, std::io::stdout()).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
