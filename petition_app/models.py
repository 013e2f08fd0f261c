"""Every model, imported in one place so that Alembic and create_all see all tables."""
from .accounts.models import User
from .campaigns.models import Campaign, Demand, Milestone, Recipient
from .jobs.models import OutboxJob
from .letters.models import Handover, Letter
from .notifications.models import Delivery
from .organizers.models import Update
from .responses.models import Answer
from .signing.models import Signature
from .stories.models import StoryAccess, StorySettings, StorySubmission, StoryTeamMember

__all__ = ["Answer", "Campaign", "Delivery", "Demand", "Handover", "Letter", "Milestone", "OutboxJob", "Recipient", "Signature", "StoryAccess", "StorySettings", "StorySubmission", "StoryTeamMember", "Update", "User"]
