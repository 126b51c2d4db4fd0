"""What gunicorn serves: ``gunicorn -c config/gunicorn.conf.py wsgi:app``."""
from portal import create_app

app = create_app()
