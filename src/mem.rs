//! Process memory: hand freed heap back to the operating system, read resident size.
//!
//! Contract: [`release_free_memory`] asks the allocator to return memory it holds but no longer
//! uses (glibc keeps freed memory of every thread's arena resident; start-up parses hundreds of
//! megabytes that are then dropped). [`status_mb`] reads a `/proc/self/status` size field.
//! Not for: limiting memory or measuring allocations.

/// Returns freed heap memory to the OS (glibc `malloc_trim`); does nothing on other platforms.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds as free.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// [`release_free_memory`] at most once per `every`, from any thread (after each ingest batch:
/// a batch's geoparsing and the index's copy-on-write snapshots free memory that glibc keeps).
pub fn release_free_memory_every(every: std::time::Duration) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_MS: AtomicU64 = AtomicU64::new(0);
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let now = START.get_or_init(std::time::Instant::now).elapsed().as_millis() as u64;
    let last = LAST_MS.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= every.as_millis() as u64
        && LAST_MS.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        release_free_memory();
    }
}

/// A size field of `/proc/self/status` in MB (`"VmRSS:"` resident now, `"VmHWM:"` peak);
/// NaN where the file does not exist.
pub fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn resident_size_is_read_and_positive() {
        let rss = super::status_mb("VmRSS:");
        let peak = super::status_mb("VmHWM:");
        assert!(rss > 0.0 && peak >= rss, "rss {rss} peak {peak}");
        assert!(super::status_mb("NoSuchField:").is_nan());
    }
}
