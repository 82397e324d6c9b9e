<%
    # `config` is the dataset's Alembic Config (microcosm_sqlite.migrations.config).
    attributes = config.attributes
    data_set = attributes["microcosm_sqlite.data_set"]
    include_downgrade = attributes["microcosm_sqlite.include_downgrade"]
%>"""${message}

Dataset: ${data_set}
Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
% if not include_downgrade:

from microcosm_sqlite.errors import IrreversibleMigrationError
% endif
${imports if imports else ""}
# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
% if include_downgrade:
    ${downgrades if downgrades else "pass"}
% else:
    raise IrreversibleMigrationError(
        f"revision {revision} was generated without a downgrade (include_downgrade=False)",
        data_set=${repr(data_set)},
        hint="restore the previous file from source control, or rebuild it",
    )
% endif
