//! Page data: the resources pages load through server functions.
//!
//! Every resource goes through [`page_data`] rather than `Resource::new`, for
//! the bundle's sake. A server function's answer is JSON read with
//! `serde_json::from_slice`, and Leptos's own resource codec reads the copy
//! sent with the page with `serde_json::from_str`. The two readers are
//! different types, so each page's data had its deserializer compiled twice
//! into the WASM. [`SliceJson`] reads the page's copy the same way the server
//! function's answer is read, so each type is compiled once (README, "The
//! hydrate bundle and the usage pages").
use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};
use std::pin::Pin;

/// JSON in the page, read like a server function's answer.
pub struct SliceJson;

impl<T: Serialize> Encoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A resource of page data.
pub type PageData<T> = Resource<T, SliceJson>;

/// `Resource::new` with [`SliceJson`]: loads again whenever `source` changes.
#[track_caller]
pub fn page_data<T, S, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetcher: impl Fn(S) -> Fut + Send + Sync + 'static) -> PageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    // Boxed: a server function's future holds its database queries' futures
    // (kilobytes), and the resource moves its future several times on the
    // server; a box moves as a pointer. In the browser one future type per
    // data type also means fewer copies of the resource code in the bundle.
    let fetcher = move |s| -> Pin<Box<dyn Future<Output = T> + Send>> { Box::pin(fetcher(s)) };
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_like_a_server_function_answer() {
        let value: Result<Vec<(String, i64)>, String> = Ok(vec![("gpt-4o".into(), 3)]);
        let text = <SliceJson as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Vec<(String, i64)>, String> = <SliceJson as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
        assert!(<SliceJson as Decoder<Vec<i64>>>::decode("{not json").is_err());
    }
}
