//! The key tree of one context: insert bindings, look a typed sequence up (an action, the start
//! of a chord, or nothing).
//!
//! Part of `keymap`; imports nothing from the crate outside it but `action`.

use std::collections::HashMap;

use super::Key;
use crate::action::Action;

/// The bindings of one context as a tree of keys: a chord's first keys lead to a subtree.
#[derive(Debug, Clone, Default)]
pub(super) struct Trie {
    children: HashMap<Key, TrieNode>,
}

#[derive(Debug, Clone)]
enum TrieNode {
    Action(Action),
    Chord(Trie),
}

/// What a key sequence is in one context.
pub(super) enum Lookup {
    /// It is bound to an action.
    Action(Action),
    /// It begins a chord; more keys may follow.
    Prefix,
    /// It is bound to nothing.
    Missing,
}

impl Trie {
    /// Validation guarantees no binding is a prefix of another; were one to slip through, the
    /// later insert wins rather than panicking.
    pub(super) fn insert(&mut self, keys: &[Key], action: Action) {
        let Some((first, rest)) = keys.split_first() else {
            return;
        };
        if rest.is_empty() {
            self.children.insert(*first, TrieNode::Action(action));
            return;
        }
        let node = self
            .children
            .entry(*first)
            .or_insert_with(|| TrieNode::Chord(Trie::default()));
        if let TrieNode::Action(_) = node {
            *node = TrieNode::Chord(Trie::default());
        }
        if let TrieNode::Chord(child) = node {
            child.insert(rest, action);
        }
    }

    pub(super) fn lookup(&self, keys: &[Key]) -> Lookup {
        let mut trie = self;
        for (index, key) in keys.iter().enumerate() {
            match trie.children.get(key) {
                None => return Lookup::Missing,
                Some(TrieNode::Action(action)) if index + 1 == keys.len() => {
                    return Lookup::Action(*action);
                }
                Some(TrieNode::Action(_)) => return Lookup::Missing,
                Some(TrieNode::Chord(child)) => trie = child,
            }
        }
        if keys.is_empty() {
            Lookup::Missing
        } else {
            Lookup::Prefix
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<Key> {
        Key::parse_sequence(text).unwrap()
    }

    fn found(trie: &Trie, text: &str) -> Option<Action> {
        match trie.lookup(&keys(text)) {
            Lookup::Action(action) => Some(action),
            Lookup::Prefix | Lookup::Missing => None,
        }
    }

    #[test]
    fn single_keys_chords_and_their_prefixes() {
        let mut trie = Trie::default();
        trie.insert(&keys("j"), Action::Down);
        trie.insert(&keys("g g"), Action::Top);
        assert_eq!(found(&trie, "j"), Some(Action::Down));
        assert_eq!(found(&trie, "g g"), Some(Action::Top));
        assert!(matches!(trie.lookup(&keys("g")), Lookup::Prefix));
        assert!(matches!(trie.lookup(&keys("g x")), Lookup::Missing));
        assert!(matches!(trie.lookup(&keys("j j")), Lookup::Missing));
        assert!(matches!(trie.lookup(&keys("x")), Lookup::Missing));
        assert!(matches!(trie.lookup(&[]), Lookup::Missing));
    }

    #[test]
    fn a_later_insert_replaces_a_colliding_binding() {
        let mut trie = Trie::default();
        trie.insert(&keys("g"), Action::Top);
        trie.insert(&keys("g g"), Action::Bottom);
        assert_eq!(found(&trie, "g g"), Some(Action::Bottom));
        assert!(matches!(trie.lookup(&keys("g")), Lookup::Prefix));
        trie.insert(&keys("g"), Action::Top);
        assert_eq!(found(&trie, "g"), Some(Action::Top));
        assert!(matches!(trie.lookup(&keys("g g")), Lookup::Missing));
        trie.insert(&[], Action::Quit);
        assert!(matches!(trie.lookup(&[]), Lookup::Missing));
    }
}
