"""covidxray_desktop: reads chest X-rays and says COVID-19 or Normal, with a reason and a warning."""
import time

STARTED = time.time()  # the package is imported first thing: start-up times count from here

from covidxray_desktop import offline  # noqa: E402,F401  before any library that could reach the network

__version__ = "0.1.0"
APP_NAME = "covidxray"
DISCLAIMER = "Research use only, not a diagnostic device."
