"""The services for one signed-in person, handed to the UI and the CLI as one object."""

from __future__ import annotations

from app.data.database import Database
from app.services.base import Principal
from app.services.conversation_service import ConversationService
from app.services.knowledge_service import KnowledgeService
from app.services.kpi_service import KpiService
from app.services.people_service import PeopleService
from app.services.sla_service import SlaAdminService
from app.services.ticket_io_service import TicketIoService
from app.services.ticket_service import TicketService
from app.services.training_service import TrainingService


class Services:
    """One service per area (tickets, conversation, ticket_io, knowledge, training, kpis,
    people, sla), each acting as `actor`."""

    def __init__(self, db: Database, actor: Principal) -> None:
        self.db = db
        self.actor = actor
        self.tickets = TicketService(db, actor)
        self.conversation = ConversationService(db, actor)
        self.ticket_io = TicketIoService(db, actor)
        self.knowledge = KnowledgeService(db, actor)
        self.training = TrainingService(db, actor)
        self.kpis = KpiService(db, actor)
        self.people = PeopleService(db, actor)
        self.sla = SlaAdminService(db, actor)

    @property
    def database_label(self) -> str:
        return self.db.display_url
