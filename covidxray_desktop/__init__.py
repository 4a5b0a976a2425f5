"""covidxray_desktop: reads chest X-rays and says COVID-19 or Normal, with a reason and a warning."""

__version__ = "0.1.0"
APP_NAME = "covidxray"
DISCLAIMER = "Research use only, not a diagnostic device."
