"""Everything that knows a vendor, and nothing that knows a team."""
