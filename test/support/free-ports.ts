// Ports for processes that must be told their ports (tandemd validates 1–65535 and restarts on the
// same ports): the one helper, @tandem/testkit's, which picks them below the ephemeral range.
export { freePorts } from '@tandem/testkit';
