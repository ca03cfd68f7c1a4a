//! Printing the figures: the header, one table per backend, the key/value block and the targets.
use super::*;

pub(super) fn print_header(options: &Options, binary: &Path, machine: &Machine) {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info
                .lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .to_owned();
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    let version = std::process::Command::new(binary)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown version".to_owned());
    println!("castellan-bench");
    println!("  server:   {} ({version})", binary.display());
    println!(
        "  machine:  {} CPU(s) available [{}], {model}, {memory} RAM, Linux {kernel}",
        machine.cpus.len(),
        machine.cpu_list
    );
    println!(
        "  load:     GET {LIST_PATH} as akadmin (Bearer bootstrap token), {} keep-alive \
         HTTP/1.1 connections, {} s after {} s warm-up; {} users inserted",
        options.connections,
        options.duration.as_secs(),
        WARMUP.as_secs(),
        options.users
    );
    if !machine.taskset {
        println!("  note:     taskset not found (util-linux): the one-core variant is skipped");
    }
}

pub(super) fn print_table(f: &Figures, options: &Options) {
    if let Some(why) = &f.unreachable {
        println!("  {:<44} {why}", "every row");
        return;
    }
    let row = |label: &str, value: String| println!("  {label:<44} {value}");
    row(
        "ready, first start (migrating)",
        f.first_ready
            .map_or("n/a".to_owned(), |d| format!("{:.1} ms", ms(d))),
    );
    if !f.first_milestones.is_empty() {
        row("  first start from its log (ms after main)", String::new());
        for (message, at) in &f.first_milestones {
            let note = milestone_note(message)
                .map(|n| format!("  ({n})"))
                .unwrap_or_default();
            row(&format!("    {message}"), format!("{at:>7.1}{note}"));
        }
    }
    row(
        &format!("ready, restart ({}x) min / median", f.restarts.len()),
        match (f.restart_min(), f.restart_median()) {
            (Some(min), Some(median)) => format!("{:.1} / {:.1} ms", ms(min), ms(median)),
            _ => "n/a".to_owned(),
        },
    );
    row(
        &format!("idle RSS ({} s after ready)", IDLE.as_secs()),
        format!("{} MiB", opt(f.idle_rss_mb, 1)),
    );
    row(
        &format!("insert {} users (castellan_store)", options.users),
        f.insert
            .map_or("n/a".to_owned(), |d| format!("{:.2} s", d.as_secs_f64())),
    );
    if let Some(count) = f.list_count {
        row("users listed (pagination.count)", count.to_string());
    }
    println!(
        "  {:<44} {:>9} {:>8} {:>8} {:>8} {:>7} {:>10}",
        format!("GET {LIST_PATH}"),
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "errors",
        "server CPU"
    );
    let load_row = |label: &str, r: &LoadReport| {
        println!(
            "    {label:<42} {:>9.1} {:>8} {:>8} {:>8} {:>7} {:>10}",
            r.rps(),
            opt(r.percentile_ms(50.0), 2),
            opt(r.percentile_ms(90.0), 2),
            opt(r.percentile_ms(99.0), 2),
            r.errors,
            r.server_cpu_percent()
                .map_or("n/a".to_owned(), |p| format!("{p:.0} %")),
        );
    };
    match &f.list {
        Some(r) => load_row("unpinned (server and client share the CPUs)", r),
        None => println!("    {:<42} n/a", "unpinned"),
    }
    match &f.one_core {
        Some(OneCore::Measured {
            report,
            server_cpu,
            client_cpu,
        }) => {
            let label = match client_cpu {
                Some(c) => format!("server on CPU {server_cpu}, client on CPU {c}"),
                None => format!("server on CPU {server_cpu}, client unpinned"),
            };
            load_row(&label, report);
        }
        Some(OneCore::Skipped(why)) => println!("    {:<42} skipped: {why}", "one core"),
        None => println!("    {:<42} n/a", "one core"),
    }
    for r in [f.list.as_ref(), f.one_core_report()].into_iter().flatten() {
        if let Some(e) = &r.first_error {
            println!("    first error: {e}");
        }
    }
    if let Some(r) = &f.list {
        row(
            "response body",
            format!("{:.1} KiB", r.body_bytes as f64 / 1024.0),
        );
    }
    row(
        "RSS after the unpinned load",
        format!("{} MiB", opt(f.loaded_rss_mb, 1)),
    );
}

/// What happens right before a start milestone is logged.
pub(super) fn milestone_note(message: &str) -> Option<&'static str> {
    match message {
        "database migrated" => Some("connect + schema migrations"),
        "bootstrap applied" => Some("includes the argon2id hash of the bootstrap password"),
        "self-signed certificate created" => Some("RSA key generation"),
        "ready" => Some("listeners bound"),
        _ => None,
    }
}

/// `database migrated` → `database_migrated`.
pub(super) fn slug(message: &str) -> String {
    message
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) fn print_keys(all: &[Figures], options: &Options) {
    let mut out = String::new();
    let _ = writeln!(out, "users: {}", options.users);
    let _ = writeln!(out, "connections: {}", options.connections);
    let _ = writeln!(out, "duration_s: {}", options.duration.as_secs());
    for f in all {
        let k = f.backend.key();
        let missing = if f.unreachable.is_some() {
            "PostgreSQL unreachable".to_owned()
        } else {
            "n/a".to_owned()
        };
        let value = |v: Option<f64>, decimals: usize| {
            v.map_or_else(|| missing.clone(), |v| format!("{v:.decimals$}"))
        };
        let mut line = |key: &str, v: String| {
            let _ = writeln!(out, "{k}.{key}: {v}");
        };
        line("ready_ms.first", value(f.first_ready.map(ms), 1));
        for (message, at) in &f.first_milestones {
            line(
                &format!("first_start.{}_ms", slug(message)),
                format!("{at:.1}"),
            );
        }
        line("ready_ms.min", value(f.restart_min().map(ms), 1));
        line("ready_ms.median", value(f.restart_median().map(ms), 1));
        line("idle_rss_mb", value(f.idle_rss_mb, 1));
        line("loaded_rss_mb", value(f.loaded_rss_mb, 1));
        line(
            "insert_users_s",
            value(f.insert.map(|d| d.as_secs_f64()), 2),
        );
        for (prefix, report) in [
            ("users_list", f.list.as_ref()),
            ("users_list.one_core", f.one_core_report()),
        ] {
            line(
                &format!("{prefix}.rps"),
                value(report.map(LoadReport::rps), 1),
            );
            for p in [50, 90, 99] {
                line(
                    &format!("{prefix}.p{p}_ms"),
                    value(report.and_then(|r| r.percentile_ms(f64::from(p))), 2),
                );
            }
            line(
                &format!("{prefix}.errors"),
                report.map_or_else(|| missing.clone(), |r| r.errors.to_string()),
            );
            line(
                &format!("{prefix}.server_cpu_pct"),
                value(report.and_then(LoadReport::server_cpu_percent), 0),
            );
        }
        if let Some(OneCore::Skipped(why)) = &f.one_core {
            line("users_list.one_core", format!("skipped ({why})"));
        }
    }
    print!("{out}");
}

pub(super) fn print_targets(all: &[Figures]) {
    println!("targets (from the issue):");
    println!("target.ready_ms: < {TARGET_READY_MS:.0}");
    println!("target.idle_rss_mb: < {TARGET_RSS_MB:.0}");
    println!("target.users_list.one_core.rps: > {TARGET_ONE_CORE_RPS:.0}");
    let verdict = |v: Option<f64>, ok: &dyn Fn(f64) -> bool| match v {
        Some(v) if ok(v) => format!("{v:.1} met"),
        Some(v) => format!("{v:.1} MISSED"),
        None => "not measured".to_owned(),
    };
    for f in all {
        let k = f.backend.key();
        if f.unreachable.is_some() {
            println!("{k}: PostgreSQL unreachable, nothing compared");
            continue;
        }
        let below = |limit: f64| move |v: f64| v < limit;
        println!(
            "{k}.ready_ms.median vs target: {}",
            verdict(f.restart_median().map(ms), &below(TARGET_READY_MS))
        );
        println!(
            "{k}.ready_ms.first vs target: {}",
            verdict(f.first_ready.map(ms), &below(TARGET_READY_MS))
        );
        println!(
            "{k}.idle_rss_mb vs target: {}",
            verdict(f.idle_rss_mb, &below(TARGET_RSS_MB))
        );
        println!(
            "{k}.users_list.one_core.rps vs target: {}",
            verdict(f.one_core_report().map(LoadReport::rps), &|v| {
                v > TARGET_ONE_CORE_RPS
            })
        );
    }
}
