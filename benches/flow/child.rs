//! Runs a subprocess to the end and reads what the kernel counted for it: wall time, user and
//! system CPU, and peak resident set size, from `wait4`'s `rusage` of that one child (so the
//! server and the other client in this process do not count). Its stdout and stderr go to
//! files, so a chatty child can never block on a full pipe.

use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Finished {
    pub wall: Duration,
    pub cpu: Duration,
    /// Peak resident set size (`ru_maxrss`, which Linux counts in KiB), in bytes.
    pub max_rss: u64,
    /// The exit code, or `None` when a signal ended the child.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The ends of stdout and stderr, for an error message.
    pub fn tails(&self) -> String {
        format!(
            "--- stdout (end) ---\n{}\n--- stderr (end) ---\n{}",
            tail(&self.stdout, 4_000),
            tail(&self.stderr, 4_000)
        )
    }
}

fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
}

/// Runs `cmd` with stdout and stderr in files under `scratch`; kills it after `timeout`, which
/// is then an error.
pub fn run(cmd: &mut Command, scratch: &Path, timeout: Duration) -> Result<Finished, String> {
    let out_path = scratch.join("child.stdout");
    let err_path = scratch.join("child.stderr");
    let out = File::create(&out_path)
        .map_err(|e| format!("cannot create {}: {e}", out_path.display()))?;
    let err = File::create(&err_path)
        .map_err(|e| format!("cannot create {}: {e}", err_path.display()))?;
    let what = format!("{cmd:?}");
    let started = Instant::now();
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let pid = child.id() as libc::pid_t;

    // `wait4` blocks, so it runs on a thread of its own; this one keeps the deadline.
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = loop {
            // SAFETY: `status` and `usage` are valid for writes for the whole call.
            let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            break r;
        };
        let wall = started.elapsed();
        let _ = tx.send((reaped, status, usage, wall));
    });
    let (reaped, status, usage, wall) = match rx.recv_timeout(timeout) {
        Ok(v) => v,
        Err(_) => {
            // Not reaped yet, so the pid is still this child's.
            let _ = child.kill();
            let _ = waiter.join();
            return Err(format!(
                "{what} did not finish within {timeout:?} and was killed"
            ));
        }
    };
    let _ = waiter.join();
    if reaped != pid {
        return Err(format!(
            "waiting for {what} failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    let code = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    Ok(Finished {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        max_rss: (usage.ru_maxrss.max(0) as u64) * 1024,
        code,
        stdout: read(&out_path),
        stderr: read(&err_path),
    })
}
