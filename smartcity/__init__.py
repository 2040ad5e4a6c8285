"""smartcity: the yearly Smart City self-assessment of an Indonesian local government.

The app factory lives in `smartcity.factory`; this package import stays free of
Flask so that the pure domain core (`smartcity.domain`) can be used on its own.
"""
