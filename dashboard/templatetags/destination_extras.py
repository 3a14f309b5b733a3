"""The notification pages' filters (dashboard/listing/destination_display.py)."""

from django import template

from dashboard.listing import destination_display

register = template.Library()

register.filter("destination_address", destination_display.destination_address)
register.filter("destination_name", destination_display.destination_name)
register.filter("event_type_label", destination_display.event_type_label)
register.filter("event_types_shown", destination_display.event_types_shown)
