//! Yew glue for the playground's reducer. The state, its messages and every rule live in
//! [`crate::player`] (plain Rust, tested natively); here it only becomes a Yew
//! [`Reducible`], so `use_reducer` can hold it.

pub use crate::player::{Doc, Msg, Notice, Playground, Tab, Theme, Zoom, SPEEDS};
use std::rc::Rc;
use yew::prelude::*;

impl Reducible for Playground {
    type Action = Msg;
    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        match self.update(msg) {
            Some(next) => Rc::new(next),
            None => self,
        }
    }
}
