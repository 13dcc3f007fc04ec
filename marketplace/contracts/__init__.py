"""Framework contracts: agreed prices, limits and payment terms over a period, signed by both sides, with
call-off orders that become deals without a new approval while they stay within the contract's limits."""
