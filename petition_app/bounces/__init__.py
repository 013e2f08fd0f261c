"""Bounces: delivery status notifications piped in by the MTA (`flask mail bounce`), recorded without
the address, shown to organizers for their letters, and kept from bulk mail for good when hard."""
