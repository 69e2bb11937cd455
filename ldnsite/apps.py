from django.apps import AppConfig


class LDNSiteConfig(AppConfig):
    name = "ldnsite"
    verbose_name = "LDN site"

    def ready(self):
        from ldnsite.search.index import connect_signals

        connect_signals()
