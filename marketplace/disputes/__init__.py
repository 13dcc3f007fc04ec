"""Dispute cases, messages, admin decisions and their settlement."""
