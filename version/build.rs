//! Records what `/version` reports about this build: date, time and user, and
//! the git commit and tag when the sources are a git checkout.
//!
//! `SOURCE_DATE_EPOCH` (reproducible builds) overrides the build time.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-env-changed=USER");

    let time = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|epoch| epoch.parse::<u64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs())
        });
    println!("cargo:rustc-env=VERSION_BUILD_TIME={time}");
    println!("cargo:rustc-env=VERSION_BUILD_DATE={}", utc_date_time(time));
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    println!("cargo:rustc-env=VERSION_BUILD_USER={user}");

    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        // A new commit or checkout changes HEAD or the ref it points to.
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={git_dir}/{reference}");
        }
        if let Some(sha) = git(&["rev-parse", "HEAD"]) {
            println!("cargo:rustc-env=VERSION_GIT_SHA={sha}");
        }
        if let Some(tag) = git(&["describe", "--exact-match", "--tags", "HEAD"]) {
            println!("cargo:rustc-env=VERSION_GIT_TAG={tag}");
        }
    }
}

/// The trimmed output of a successful git command.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// `YYYY-MM-DD HH:MM:SS` in UTC for seconds since the epoch.
fn utc_date_time(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}
