"""RFQs, matching, invitations, quotes and revisions, comparison and award."""
