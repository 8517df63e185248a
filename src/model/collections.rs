//! Deterministic, fast lookup structures for the model.
//!
//! `std`'s default `HashMap` seeds its hasher from the OS, which the model must not touch;
//! [`Map`] uses a fixed-key multiply-rotate hasher (the FxHash scheme) instead. Maps are
//! lookup indexes only: anything whose order reaches the trace is a `Vec` or `BTreeMap`.

use super::arm::Resource;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fixed-key FxHash-style hasher: deterministic and cheap for short keys.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map with the deterministic [`FxHasher`].
pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Resources in creation order, indexed by lower-cased ARM id. Same API as the
/// `BTreeMap` it replaces (`get`, `get_mut`, `insert`, `remove`, `values`).
#[derive(Clone, Debug, Default)]
pub struct Resources {
    slots: Vec<Option<Resource>>,
    index: Map<String, usize>,
}

impl Resources {
    /// The resource with this lower-cased id.
    pub fn get(&self, id_lower: &str) -> Option<&Resource> {
        self.index.get(id_lower).and_then(|&i| self.slots[i].as_ref())
    }
    /// Mutable access by lower-cased id.
    pub fn get_mut(&mut self, id_lower: &str) -> Option<&mut Resource> {
        let i = *self.index.get(id_lower)?;
        self.slots[i].as_mut()
    }
    /// Adds (or replaces) a resource under its lower-cased id.
    pub fn insert(&mut self, id_lower: String, r: Resource) {
        match self.index.get(&id_lower) {
            Some(&i) => self.slots[i] = Some(r),
            None => {
                self.index.insert(id_lower, self.slots.len());
                self.slots.push(Some(r));
            }
        }
    }
    /// Removes a resource.
    pub fn remove(&mut self, id_lower: &str) -> Option<Resource> {
        let i = self.index.remove(id_lower)?;
        self.slots[i].take()
    }
    /// Live resources in creation order.
    pub fn values(&self) -> impl Iterator<Item = &Resource> {
        self.slots.iter().flatten()
    }
    /// Live resources, mutably, in creation order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Resource> {
        self.slots.iter_mut().flatten()
    }
    /// Number of live resources.
    pub fn len(&self) -> usize {
        self.index.len()
    }
    /// No resources.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

impl std::ops::Index<&String> for Resources {
    type Output = Resource;
    fn index(&self, id_lower: &String) -> &Resource {
        self.get(id_lower).expect("resource exists")
    }
}
