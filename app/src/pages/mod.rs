//! One module per route.

#[cfg(feature = "ssr")]
mod form_card;
pub(crate) mod frame;
#[cfg(feature = "ssr")]
mod html;
mod landing;
mod not_found;
#[cfg(feature = "ssr")]
pub(crate) mod notes_list;
#[cfg(feature = "ssr")]
pub(crate) mod submissions_list;

#[cfg(feature = "ssr")]
pub use frame::{FramePage, FrameSettings, StoredOrders, respond as frame_response};
pub use landing::LandingPage;
pub use not_found::NotFoundPage;
