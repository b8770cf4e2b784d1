"""Pure verification rules of the review service: no I/O, no clock, stdlib only."""
