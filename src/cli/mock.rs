//! `dli-conformance mock`: the reference mock (or one of its faults or variants) on a socket.

use std::process::ExitCode;

use clap::Args;
use dli_conformance::mock::{deviation, faults, variants};

use super::{say, usage_error};

/// Flags of `mock`.
#[derive(Args)]
pub struct MockArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Serve the mock with this fault injected (see --list-faults).
    #[arg(long, value_name = "NAME", conflicts_with = "variant")]
    fault: Option<String>,
    /// Serve this conformant variant of the mock (see --list-variants).
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// List the faults (name, clause broken, level, description) and exit.
    #[arg(long)]
    list_faults: bool,
    /// List the conformant variants (name, clause allowing it, level, description) and exit.
    #[arg(long)]
    list_variants: bool,
}

/// Serves until interrupted; prints the URL first.
pub async fn serve(args: MockArgs) -> ExitCode {
    let listing = if args.list_faults {
        Some(deviation::listing(faults::FAULTS, "clause broken"))
    } else if args.list_variants {
        Some(deviation::listing(variants::VARIANTS, "clause allowing it"))
    } else {
        None
    };
    if let Some(listing) = listing {
        print!("{listing}");
        return ExitCode::SUCCESS;
    }
    let router = match deviation::chosen_router(args.fault.as_deref(), args.variant.as_deref()) {
        Ok(router) => router,
        Err(message) => return usage_error(message),
    };
    let listen = &args.listen;
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(err) => return usage_error(format!("cannot listen on {listen:?}: {err}")),
    };
    match listener.local_addr() {
        Ok(address) => say(&format!("http://{address}")),
        Err(err) => return usage_error(format!("cannot read the bound address: {err}")),
    }
    tokio::select! {
        served = axum::serve(listener, router) => match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => usage_error(format!("the mock stopped: {err}")),
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
