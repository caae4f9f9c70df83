// Excluded by name: the real platform may use std primitives.
std::mutex allowed;
