/**
 * JMH benchmarks of the sealed envelope against the bare JDK primitives it is built from. Not a
 * test and not in the default build (root profile {@code bench}); results in docs/benchmarks.md.
 */
package dev.sealdrop.bench;
