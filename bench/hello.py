"""The ceiling: a bare Flask "hello world", served with the portal's gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
