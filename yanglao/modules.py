"""The platform's modules, in the order of the policy's capability map. Each is an app under yanglao/;
its urls.py, public_urls.py and api.register(router) are picked up when present."""

# One per line, so that a new module is a one-line change; settings.INSTALLED_APPS reads this list too.
MODULES = [
    "people",
    "assessments",
    "benefits",
    "institutions",
    "admissions",
    "homecare",
    "homeadapt",
    "alarms",
    "supervision",
    "visits",
    "timebank",
    "workforce",
    "planning",
    "prepaid",
    "policytasks",
    "funding",
    "documents",
    "exchanges",
    "portal",
    "notices",
    "dashboard",
]
