//! The conformance suite against [`InMemoryStorage`].

mod conformance;

use state::{InMemoryStorage, Storage};
use std::sync::Arc;

async fn open() -> (Arc<dyn Storage>, ()) {
    (Arc::new(InMemoryStorage::new()), ())
}

conformance_suite!(open);
