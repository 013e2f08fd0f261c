"""Every model, imported in one place so that Alembic and create_all see all tables."""
from .campaigns.models import Campaign, Demand, Milestone, Recipient
from .signing.models import Signature

__all__ = ["Campaign", "Demand", "Milestone", "Recipient", "Signature"]
