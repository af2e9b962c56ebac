"""factory-boy factories. Exchanges use get_or_create so they coexist with seeded rows.

Each names its model as a type parameter, so `XFactory.create(...)` is typed as the
model in annotated helpers (calling the class itself is typed as the factory).
"""

import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model

from accounts.models import CheckIn, Exchange, ExchangeAccount
from users.models import User

DEFAULT_PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """Users can sign in only with a verified address (mandatory verification)."""
        if create:
            user.save()
            EmailAddress.objects.create(
                user=user, email=user.email, primary=True, verified=extracted is not False
            )


class StaffUserFactory(UserFactory):
    """An editor: staff, superuser and, as the admin requires, an authenticator app."""

    is_staff = True
    is_superuser = True

    @factory.post_generation
    def with_totp(user, create, extracted, **kwargs):
        if create and extracted is not False:
            TOTP.activate(user, generate_totp_secret())


class ExchangeFactory(factory.django.DjangoModelFactory[Exchange]):
    class Meta:
        model = Exchange
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Exchange {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-").replace(".", "-"))


class ExchangeAccountFactory(factory.django.DjangoModelFactory[ExchangeAccount]):
    class Meta:
        model = ExchangeAccount

    owner = factory.SubFactory(UserFactory)
    exchange = factory.SubFactory(ExchangeFactory)
    label = "Main"
    last_login_on = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=10)
    )


class CheckInFactory(factory.django.DjangoModelFactory[CheckIn]):
    class Meta:
        model = CheckIn

    account = factory.SubFactory(ExchangeAccountFactory)
    on = factory.LazyAttribute(lambda o: o.account.last_login_on)
