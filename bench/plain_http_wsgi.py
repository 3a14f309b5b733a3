"""The app as bench/list_page.py serves it from gunicorn: production settings, but plain
HTTP on loopback (cookies can't be Secure-only there) and the admin listing 25 rows, like
for like with the list's page size."""

from django.conf import settings

from config.wsgi import application  # noqa: F401 (what gunicorn serves)

settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False

from dashboard.admin.projects import ProjectAdmin  # noqa: E402 (the app must be set up first)

ProjectAdmin.list_per_page = 25
