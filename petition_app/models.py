"""Every model, imported in one place so that Alembic and create_all see all tables."""
from .accounts.models import User
from .admin.models import ClusterAlert
from .campaigns.models import Campaign, CampaignRevision, Demand, Milestone, Recipient
from .jobs.models import OutboxJob
from .letters.models import Handover, Letter, LetterRecord
from .mail.models import MailBounce
from .notifications.models import Delivery
from .organizers.models import Invitation, Update
from .paper.models import PaperEntry
from .recipients.models import Organisation, OrganisationChange
from .responses.models import Answer
from .signing.models import Signature, SignRequest
from .stories.models import StoryAccess, StorySettings, StorySubmission, StoryTeamMember

__all__ = ["Answer", "Campaign", "CampaignRevision", "ClusterAlert", "Delivery", "Demand", "Handover", "Invitation", "Letter", "LetterRecord",
           "MailBounce", "Milestone", "Organisation", "OrganisationChange", "OutboxJob", "PaperEntry", "Recipient", "Signature", "SignRequest", "StoryAccess", "StorySettings", "StorySubmission",
           "StoryTeamMember", "Update", "User"]
