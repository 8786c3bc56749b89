//! Bounded concurrency over many AWS calls: each item runs as its own task, at most `limit` at once
//! (the Identity Center engine's writes, the StackSets engine's reads).

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::AwsError;

/// Runs `work` on every item, at most `limit` at once; results in the items' order.
pub(crate) async fn bounded<T, R, F, Fut>(
    limit: usize,
    items: Vec<T>,
    work: F,
) -> Vec<Result<R, AwsError>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<R, AwsError>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let mut tasks = JoinSet::new();
    let count = items.len();
    for (index, item) in items.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let future = work(item);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, future.await)
        });
    }
    let mut results: Vec<Option<Result<R, AwsError>>> = (0..count).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, result)) => results[index] = Some(result),
            Err(e) => {
                return vec![Err(AwsError::Refused(format!(
                    "a concurrent read or write stopped: {e}"
                )))];
            }
        }
    }
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bounded_keeps_the_order_of_the_items() {
        let results = bounded(2, (0..10).collect(), |i: u32| async move { Ok(i * 2) }).await;
        let values: Vec<u32> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, (0..10).map(|i| i * 2).collect::<Vec<_>>());
    }
}
