//! `dli-conformance mock`: the reference mock (or one of its faults or variants) on a socket,
//! optionally behind a simulated cloud: signatures, a rate limit, a quota, slow creates, the VPC
//! objects the project has, and an access log.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use dli_conformance::mock::{deviation, faults, variants, Family, MockConfig, Vpc};
use dli_conformance::spec::clause::Profile;
use dli_conformance::transport::sign::Credentials;

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
    /// Validate by this profile: `seed`, or `current` (adds the newer page's cur.* rules).
    #[arg(long, default_value = "seed", value_name = "PROFILE")]
    profile: Profile,
    /// Require every request signed (SDK-HMAC-SHA256) with this access key; 401 APIG.0301 else.
    #[arg(long, value_name = "AK", requires = "sk")]
    ak: Option<String>,
    /// The secret key of --ak.
    #[arg(long, value_name = "SK", requires = "ak")]
    sk: Option<String>,
    /// With --ak/--sk: also require this security token, signed, in X-Security-Token.
    #[arg(long, value_name = "TOKEN", requires = "ak")]
    security_token: Option<String>,
    /// Answer 429 APIG.0308 to a request beyond R in the last second.
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: Option<u32>,
    /// Answer 400 to a create beyond Q live connections in a project (the error message says
    /// the quota is used up).
    #[arg(long, value_name = "Q")]
    quota: Option<usize>,
    /// New connections stay CREATING this long (e.g. 2s); DELETE is refused until then.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s")]
    creating_for: Duration,
    /// The only security group the project has: creates naming another are answered 400.
    #[arg(long, value_name = "ID", requires = "network_id")]
    security_group_id: Option<String>,
    /// The only subnet the project has: creates naming another are answered 400.
    #[arg(long, value_name = "ID", requires = "security_group_id")]
    network_id: Option<String>,
    /// Append one JSON line per request (time, method, path, status, error_code) to this file.
    #[arg(long, value_name = "PATH")]
    access_log: Option<PathBuf>,
    /// Which routes of the family it serves besides create: `full`, `create-only` (show, list
    /// and delete answered 405) or `soft-delete` (deleted connections stay listed as DELETED).
    #[arg(long, value_name = "FAMILY", default_value = "full")]
    family: Family,
    /// Every DELETE takes this long before it is answered (e.g. 5s).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s")]
    delete_delay: Duration,
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
    let credentials = match (&args.ak, &args.sk) {
        (Some(ak), Some(sk)) => match Credentials::new(ak, sk, args.security_token.clone()) {
            Ok(credentials) => Some(Arc::new(credentials)),
            Err(message) => return usage_error(message),
        },
        _ => None,
    };
    let vpc = match (&args.security_group_id, &args.network_id) {
        (Some(security_group_id), Some(network_id)) => Some(Vpc {
            security_group_id: security_group_id.clone(),
            network_id: network_id.clone(),
        }),
        _ => None,
    };
    let config = MockConfig {
        profile: args.profile,
        credentials,
        rate_limit: args.rate_limit,
        quota: args.quota,
        creating_for: args.creating_for,
        vpc,
        access_log: args.access_log.clone(),
        family: args.family,
        delete_delay: args.delete_delay,
    };
    let router = match dli_conformance::mock::chosen_router_with(
        args.fault.as_deref(),
        args.variant.as_deref(),
        config,
    ) {
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
        _ = super::interrupted() => ExitCode::SUCCESS,
    }
}
