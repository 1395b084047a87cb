//! A value read from storage now and then rather than on every request: what a page or an
//! unauthenticated call shows that does not have to be exact to the second.

use std::time::{Duration, Instant};

use futures::lock::Mutex;

/// The last value read, kept for `max_age`.
pub struct Recent<T> {
    max_age: Duration,
    last: Mutex<Option<(Instant, T)>>,
}

impl<T> std::fmt::Debug for Recent<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recent(max_age: {:?})", self.max_age)
    }
}

impl<T: Clone> Recent<T> {
    pub fn new(max_age: Duration) -> Self {
        Self { max_age, last: Mutex::new(None) }
    }

    /// The value read less than `max_age` ago, or else a fresh one from `read` (a failed read is
    /// not kept). Callers that come while a read runs wait for it and share its answer, so there
    /// is at most one read per `max_age`, however many ask.
    pub async fn get<E>(&self, read: impl Future<Output = Result<T, E>>) -> Result<T, E> {
        let mut last = self.last.lock().await;
        if let Some((at, value)) = last.as_ref()
            && at.elapsed() < self.max_age
        {
            return Ok(value.clone());
        }
        let value = read.await?;
        *last = Some((Instant::now(), value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_once_per_max_age() {
        futures::executor::block_on(async {
            let recent = Recent::new(Duration::from_secs(60));
            let mut reads = 0;
            for _ in 0..3 {
                let value: Result<i32, ()> = recent
                    .get(async {
                        reads += 1;
                        Ok(reads)
                    })
                    .await;
                assert_eq!(value, Ok(1));
            }
            assert_eq!(reads, 1);
        });
    }

    #[test]
    fn a_failed_read_is_not_kept_and_a_stale_value_is_read_again() {
        futures::executor::block_on(async {
            let recent = Recent::new(Duration::ZERO);
            assert_eq!(recent.get(async { Err::<i32, _>("down") }).await, Err("down"));
            assert_eq!(recent.get(async { Ok::<_, ()>(1) }).await, Ok(1));
            assert_eq!(recent.get(async { Ok::<_, ()>(2) }).await, Ok(2), "max_age 0: always read again");
        });
    }
}
