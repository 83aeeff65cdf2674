"""Settings of the users plugin (`[plugins.users]`)."""

from hduce.core.config import Positive, Section


class UsersConfig(Section):
    """Listing limits for admin user search and the practitioner directory."""

    max_page_size: Positive = 100
