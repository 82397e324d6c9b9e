"""Peer: the service calls in plain SQLAlchemy 2 ORM: `select()` for searches, `session.get` by key."""

from operator import attrgetter

from common import Work, arguments, report
from plain_airport import Airport as GeneratedAirport
from service_common import LIMIT, SHIPPED, Checksum, calls, workload
from sqlalchemy import Float, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class ShippedBase(DeclarativeBase):
    pass


class ShippedAirport(ShippedBase):
    __tablename__ = "airport"

    icao: Mapped[str] = mapped_column(String(4), primary_key=True)
    iata: Mapped[str | None] = mapped_column(String(3), unique=True)
    lid: Mapped[str | None] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String)
    city: Mapped[str | None] = mapped_column(String)
    subdivision: Mapped[str | None] = mapped_column(String)
    country_code: Mapped[str] = mapped_column(String(2))
    elevation_ft: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    time_zone: Mapped[str | None] = mapped_column(String)


args = arguments()
work, call, store = workload(args), args["call"], args.get("store", "ordered")
model = ShippedAirport if work is SHIPPED else GeneratedAirport
values = attrgetter(*work.columns)
arguments_of_calls = calls(args, work, call)
checksum = Checksum()
engine = create_engine(f"sqlite:///file:{args['db']}?mode=ro&immutable=1&uri=true")
group, minimum, primary_key, unique = (
    getattr(model, name) for name in (work.group, work.minimum, work.primary_key, work.unique)
)
with Work() as timing:
    with Session(engine) as session:
        if call == "search":
            for value, least in arguments_of_calls:
                if store == "ordered":
                    statement = select(model).where(group == value).order_by(primary_key).limit(LIMIT)
                else:
                    statement = select(model).where(group == value, minimum >= least).limit(LIMIT)
                checksum.add(map(values, session.scalars(statement).all()))
        elif call == "one":
            for key in arguments_of_calls:
                checksum.add([values(session.get(model, key))])
        else:
            for key in arguments_of_calls:
                checksum.add([values(session.scalars(select(model).where(unique == key)).one())])
report(checksum, timing.seconds)
