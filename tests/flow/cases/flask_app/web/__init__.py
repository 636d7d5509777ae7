"""The application factory."""

from flask import Flask

from web.admin import admin


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(admin)
    return app
