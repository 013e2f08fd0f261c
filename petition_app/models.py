"""Every model, imported in one place so that Alembic and create_all see all tables."""
from .campaigns.models import Campaign, Demand, Milestone, Recipient
from .notifications.models import Delivery
from .signing.models import Signature

__all__ = ["Campaign", "Delivery", "Demand", "Milestone", "Recipient", "Signature"]
